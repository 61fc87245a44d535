// What the signed-in member's role allows, mirroring the API's rules (SPEC rule 1,
// shared/domain/src/permissions.rs). The console hides what the API would refuse.
import type { Member, Role } from '../api/types';

export interface Actor {
  role: Role;
  department_id?: string | null;
}

export type Action =
  | 'readMembers'
  | 'updateMember'
  | 'bulkEdit'
  | 'removeMember'
  | 'reinvite'
  | 'revokeInvitation'
  | 'decideJoinRequest'
  | 'readAudit'
  | 'manageDepartments'
  | 'manageInviteLink'
  | 'updateOrg'
  | 'manageFreeze'
  | 'previewInvitations'
  | 'importMembers'
  | 'createAccount';

/** What a department admin may do besides inviting: read and count, import, and create accounts (role member, own department only). */
const DEPT_ADMIN_ACTIONS: ReadonlySet<Action> = new Set(['readMembers', 'previewInvitations', 'importMembers', 'createAccount']);

export function isAdmin(actor: Actor): boolean {
  return actor.role === 'org_admin' || actor.role === 'dept_admin';
}

export function can(actor: Actor, action: Action): boolean {
  if (actor.role === 'org_admin') return true;
  return actor.role === 'dept_admin' && DEPT_ADMIN_ACTIONS.has(action);
}

/** Roles the actor may give to someone it invites or creates an account for. */
export function invitableRoles(actor: Actor): Role[] {
  return actor.role === 'org_admin' ? ['member', 'dept_admin', 'org_admin'] : ['member'];
}

/** Whether the actor may send `member`'s pending invitation again. */
export function canResend(actor: Actor, member: Pick<Member, 'department_id'>): boolean {
  if (actor.role === 'org_admin') return true;
  return actor.role === 'dept_admin' && !!actor.department_id && member.department_id === actor.department_id;
}

/** The only department a department admin works in (and puts new people in); null when the actor sees them all. */
export function fixedDepartment(actor: Actor): string | null {
  return actor.role === 'dept_admin' ? (actor.department_id ?? null) : null;
}
