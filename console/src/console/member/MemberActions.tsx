import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import type { Member } from '../../api/types';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { fullName } from '../../lib/labels';
import { useConsole } from '../context';
import { availableActions, type MemberAction } from './memberActions';

interface Copy {
  button: string;
  title: string;
  body: (name: string) => string;
  done: (name: string) => string;
  danger?: boolean;
}

const COPY: Record<MemberAction, Copy> = {
  remove: {
    button: 'Remove',
    title: 'Remove this member?',
    body: (n) => `${n} loses access at once and moves to the Unlicensed tab. Their data and history are kept; only an organization admin can reinvite them.`,
    done: (n) => `${n} was removed and now shows under Unlicensed.`,
    danger: true,
  },
  reinvite: {
    button: 'Reinvite',
    title: 'Reinvite this person?',
    body: (n) => `${n} gets a new invitation email. Once they accept, they are licensed again with their old profile.`,
    done: (n) => `${n} was reinvited: the invitation is pending.`,
  },
  resend: {
    button: 'Resend invitation',
    title: 'Send the invitation again?',
    body: (n) => `${n} gets a new invitation email with a new expiry. Links in earlier emails stop working.`,
    done: (n) => `The invitation to ${n} was sent again.`,
  },
  revoke: {
    button: 'Revoke invitation',
    title: 'Revoke this invitation?',
    body: (n) => `The invitation link stops working and the account made for ${n} is deleted. The audit trail keeps a record.`,
    done: (n) => `The invitation to ${n} was revoked.`,
    danger: true,
  },
  approve: {
    button: 'Approve',
    title: 'Approve this request?',
    body: (n) => `${n} becomes a licensed member and takes a seat.`,
    done: (n) => `${n} was approved and is now licensed.`,
  },
  reject: {
    button: 'Reject',
    title: 'Reject this request?',
    body: (n) => `${n} won't be able to sign in. You can re-approve them later from the Pending tab.`,
    done: (n) => `${n}'s request was rejected.`,
    danger: true,
  },
};

async function perform(action: MemberAction, org: string, member: string): Promise<void> {
  const params = { params: { path: { org, member } } };
  switch (action) {
    case 'remove':
      await call(api.POST('/v1/orgs/{org}/members/{member}/remove', params));
      return;
    case 'reinvite':
    case 'resend':
      await call(api.POST('/v1/orgs/{org}/members/{member}/reinvite', params));
      return;
    case 'revoke':
      await call(api.DELETE('/v1/orgs/{org}/members/{member}/invitation', params));
      return;
    case 'approve':
      await call(api.POST('/v1/orgs/{org}/members/{member}/approve', params));
      return;
    case 'reject':
      await call(api.POST('/v1/orgs/{org}/members/{member}/reject', params));
      return;
  }
}

interface Props {
  member: Member;
  /** Called with a sentence saying what was done. */
  onDone: (message: string, action: MemberAction) => void;
  small?: boolean;
}

/** The buttons for what the signed-in admin may do to `member`, each behind a confirmation. */
export function MemberActions({ member, onDone, small }: Props) {
  const { me, session } = useConsole();
  const [open, setOpen] = useState<MemberAction | null>(null);
  const actions = availableActions(me, member);
  if (actions.length === 0) return null;
  const name = fullName(member);
  const copy = open ? COPY[open] : null;
  const label = (action: MemberAction) => (action === 'approve' && member.status === 'rejected' ? 'Re-approve' : COPY[action].button);
  return (
    <div class="member-actions">
      {actions.map((action) => (
        <button
          key={action}
          type="button"
          class={`${COPY[action].danger ? 'button-danger-outline' : 'button-secondary'}${small ? ' button-small' : ''}`}
          aria-label={small ? `${label(action)} ${name}` : undefined}
          onClick={() => setOpen(action)}
        >
          {label(action)}
        </button>
      ))}
      {open && copy && (
        <ConfirmDialog
          title={copy.title}
          confirmLabel={label(open)}
          danger={copy.danger}
          onClose={() => setOpen(null)}
          onConfirm={async () => {
            await perform(open, session.orgId, member.id);
            onDone(copy.done(name), open);
          }}
        >
          <p>{copy.body(name)}</p>
        </ConfirmDialog>
      )}
    </div>
  );
}
