// The actions an actor may take on a member in its current status (SPEC §2, rule 1).
import type { Member } from '../../api/types';
import { can, canResend, type Actor } from '../../lib/permissions';

export type MemberAction = 'remove' | 'reinvite' | 'resend' | 'revoke' | 'approve' | 'reject';

export function availableActions(actor: Actor & { id: string }, member: Member): MemberAction[] {
  const actions: MemberAction[] = [];
  switch (member.status) {
    case 'licensed':
      if (can(actor, 'removeMember') && member.id !== actor.id) actions.push('remove');
      break;
    case 'unlicensed':
      if (can(actor, 'reinvite')) actions.push('reinvite');
      break;
    case 'invited':
    case 'expired':
      if (canResend(actor, member)) actions.push('resend');
      if (can(actor, 'revokeInvitation')) actions.push('revoke');
      break;
    case 'pending_approval':
      if (can(actor, 'decideJoinRequest')) actions.push('approve', 'reject');
      break;
    case 'rejected':
      if (can(actor, 'decideJoinRequest')) actions.push('approve');
      break;
  }
  return actions;
}
