// Words for the API's enumerations.
import type { AuditEvent, MemberStatus, Role, Tab } from '../api/types';

export const STATUS_LABELS: Record<MemberStatus, string> = {
  licensed: 'Licensed',
  unlicensed: 'Unlicensed',
  invited: 'Pending invitation',
  expired: 'Invitation expired',
  pending_approval: 'Waiting for approval',
  rejected: 'Rejected',
};

export const ROLE_LABELS: Record<Role, string> = {
  org_admin: 'Organization admin',
  dept_admin: 'Department admin',
  member: 'Member',
};

export const TAB_LABELS: Record<Tab, string> = {
  licensed: 'Licensed',
  unlicensed: 'Unlicensed',
  pending: 'Pending',
};

const ACTION_LABELS: Record<string, string> = {
  org_created: 'Organization created',
  member_invited: 'Invited',
  member_reinvited: 'Reinvited',
  invitation_resent: 'Invitation sent again',
  invitation_revoked: 'Invitation revoked',
  invitation_accepted: 'Invitation accepted',
  invitation_expired: 'Invitation expired',
  join_requested: 'Asked to join',
  join_approved: 'Join request approved',
  member_approved: 'Approved',
  member_rejected: 'Rejected',
  member_removed: 'Removed',
  member_unlicensed: 'Unlicensed',
  member_updated: 'Details changed',
  role_changed: 'Role changed',
  login_methods_changed: 'Sign-in methods changed',
  license_end_set: 'License end date set',
  license_end_cleared: 'License end date cleared',
  account_created: 'Account created',
  bulk_edit: 'Changed in a bulk edit',
  profile_updated: 'Profile updated',
  password_changed: 'Password changed',
  settings_updated: 'Settings changed',
  freeze_set: 'Freeze window set',
  freeze_lifted: 'Freeze window lifted',
  department_created: 'Department created',
  department_renamed: 'Department renamed',
  department_deleted: 'Department deleted',
  invite_link_rotated: 'Invite link rotated',
  member_joined_by_sso: 'Joined by single sign-on',
  sso_configured: 'Single sign-on set up',
  sso_removed: 'Single sign-on removed',
  member_provisioned: 'Added',
  member_reprovisioned: 'Added again',
  member_deprovisioned: 'Removed',
  member_relicensed: 'Licensed again',
  scim_token_issued: 'Directory sync connected',
  scim_token_rotated: 'Directory sync token replaced',
  scim_token_revoked: 'Directory sync disconnected',
  directory_change_held: 'Directory change held by the freeze window',
  directory_change_refused: 'Held directory change refused',
  directory_change_withdrawn: 'Held directory change withdrawn',
};

/** What a directory change a freeze window holds will do, in a word. */
export const HELD_KIND_LABELS: Record<string, string> = {
  create: 'Add',
  activate: 'License',
  deactivate: 'Unlicense',
  delete: 'Remove',
};

export function heldKindLabel(kind: string): string {
  return HELD_KIND_LABELS[kind] ?? kind.replaceAll('_', ' ');
}

const REASON_LABELS: Record<string, string> = {
  license_expired: 'the license end date passed',
  import: 'bulk import',
  held_back: 'held back by a freeze window',
  just_in_time: 'an account made at their first single sign-on',
};

/** The audit reason of every change the org's directory (SCIM) makes. */
const DIRECTORY_SYNC = 'directory_sync';

/** A generic change whose reason names it (e.g. member_updated because license_end_set) reads as that reason. */
function namedByReason(event: Pick<AuditEvent, 'action' | 'reason'>): boolean {
  return event.action === 'member_updated' && !!event.reason && event.reason in ACTION_LABELS;
}

export function auditActionLabel(event: Pick<AuditEvent, 'action' | 'reason'>): string {
  const action = namedByReason(event) ? event.reason! : event.action;
  return ACTION_LABELS[action] ?? action.replaceAll('_', ' ');
}

/** Why it happened, when the action's label does not already say it. */
export function auditReasonLabel(event: Pick<AuditEvent, 'action' | 'reason'>): string | null {
  if (!event.reason || namedByReason(event)) return null;
  // The directory's own changes say so where the actor goes (see automaticActorLabel).
  if (event.reason === DIRECTORY_SYNC) return null;
  // A held change's reason is what it will do.
  if (event.action === 'directory_change_held') return `${heldKindLabel(event.reason)}, when the freeze ends`;
  return REASON_LABELS[event.reason] ?? event.reason.replaceAll('_', ' ');
}

/**
 * Who did it, for an event no member did: the org's directory (its changes carry the reason
 * `directory_sync`; a held change's label already names it), or Roster itself.
 */
export function automaticActorLabel(event: Pick<AuditEvent, 'action' | 'reason'>): string | null {
  if (event.action.startsWith('directory_change_')) return null;
  return event.reason === DIRECTORY_SYNC ? 'by your directory' : 'automatically';
}

export function statusLabel(status: string): string {
  return STATUS_LABELS[status as MemberStatus] ?? status.replaceAll('_', ' ');
}

export function fullName(member: { first_name?: string; last_name?: string; email: string }): string {
  const name = [member.first_name, member.last_name].filter(Boolean).join(' ').trim();
  return name || member.email;
}
