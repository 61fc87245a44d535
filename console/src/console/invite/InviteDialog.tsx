import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import type { Member } from '../../api/types';
import { Dialog } from '../../components/Dialog';
import { describedBy, Field } from '../../components/Field';
import { Notice } from '../../components/Notice';
import { describeProblem } from '../../errors/messages';
import { useSubmit } from '../../hooks/useSubmit';
import { formatDateTime } from '../../lib/dates';
import { useConsole } from '../context';
import { ImportProgress } from '../imports/ImportProgress';
import { PlacementFields } from '../placement/PlacementFields';
import { usePlacement } from '../placement/usePlacement';
import { PreviewSummary } from './PreviewSummary';
import { isSingleInvitation } from './previewSentence';
import { usePreview } from './usePreview';

interface Props {
  onClose: () => void;
  onInvited: () => void;
}

type Sent = { kind: 'one'; member: Member } | { kind: 'many'; importId: string };

/** Invite one or many people by email, with one role and department for all of them. */
export function InviteDialog({ onClose, onInvited }: Props) {
  const { session } = useConsole();
  const placement = usePlacement();
  const [emails, setEmails] = useState('');
  const [sent, setSent] = useState<Sent | null>(null);
  const preview = usePreview(session.orgId, emails);
  const submit = useSubmit(['emails', 'email', 'role', 'department_id']);
  const ready = preview.state === 'ready' && preview.text === emails ? preview.preview : null;
  const toInvite = ready?.valid ?? [];

  const reset = () => {
    setEmails('');
    setSent(null);
    submit.clear();
  };
  const onSubmit = (event: Event) => {
    event.preventDefault();
    if (toInvite.length === 0) return;
    void submit.run(async () => {
      const org = { path: { org: session.orgId } };
      if (ready && isSingleInvitation(ready)) {
        const member = await call(api.POST('/v1/orgs/{org}/invitations', { params: org, body: { email: toInvite[0], ...placement.value } }));
        setSent({ kind: 'one', member });
      } else {
        const queued = await call(api.POST('/v1/orgs/{org}/imports', { params: org, body: { emails, ...placement.value } }));
        setSent({ kind: 'many', importId: queued.id });
      }
      onInvited();
    });
  };

  if (sent) {
    return (
      <Dialog title="Invitations" onClose={onClose} wide>
        {sent.kind === 'one' ? (
          <Notice kind="success">
            Invitation sent to {sent.member.email}.
            {sent.member.invitation?.expires_at && <> It expires on {formatDateTime(sent.member.invitation.expires_at)}.</>}
            {sent.member.invitation?.needs_approval && <> An admin will have to approve them once they accept.</>}
          </Notice>
        ) : (
          <ImportProgress importId={sent.importId} onFinished={onInvited} />
        )}
        <div class="actions">
          <button type="button" class="button-secondary" onClick={reset}>
            Send more invites
          </button>
          <button type="button" class="button-primary" onClick={onClose}>
            Done
          </button>
        </div>
      </Dialog>
    );
  }

  return (
    <Dialog title="Invite people" onClose={onClose} wide>
      {submit.message && <Notice kind="error">{submit.message}</Notice>}
      <form onSubmit={onSubmit} noValidate>
        <Field
          id="invite-emails"
          label="Email addresses"
          hint="Type or paste one or more addresses, separated by new lines, commas, semicolons or spaces."
          error={submit.fields.emails ?? submit.fields.email}
        >
          <textarea
            rows={6}
            value={emails}
            onInput={(e) => setEmails(e.currentTarget.value)}
            {...describedBy('invite-emails', true, submit.fields.emails ?? submit.fields.email)}
          />
        </Field>
        <div aria-live="polite">
          {preview.state === 'checking' && <p class="muted small">Counting…</p>}
          {preview.state === 'error' && <Notice kind="error">The list could not be checked. {describeProblem(preview.problem)}</Notice>}
          {ready && <PreviewSummary preview={ready} />}
        </div>
        <PlacementFields idPrefix="invite" placement={placement} errors={submit.fields} />
        <div class="actions">
          <button type="button" class="button-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="button-primary" disabled={submit.busy || toInvite.length === 0}>
            {submit.busy ? 'Sending…' : toInvite.length > 1 ? `Invite ${toInvite.length} people` : 'Send invitation'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
