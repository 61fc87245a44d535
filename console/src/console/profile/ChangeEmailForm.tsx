import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import { describedBy, Field } from '../../components/Field';
import { Notice } from '../../components/Notice';
import { useSubmit } from '../../hooks/useSubmit';
import { useConsole } from '../context';
import { describeEmailChange, describePending, emailChangeOutcome, isNewEmail, type EmailChangeOutcome, type PendingEmail } from './emailChange';

const FIELDS = ['email'] as const;

/** The change waiting for the new address to confirm it, and a way to call it off. */
function PendingChange({ pending, busy, cancelling, onCancel }: { pending: PendingEmail; busy: boolean; cancelling: boolean; onCancel: () => void }) {
  return (
    <div class="notice notice-info" data-testid="pending-email">
      <span>{describePending(pending)}</span>
      <button type="button" class="button-secondary button-small" disabled={busy} onClick={onCancel}>
        {cancelling ? 'Cancelling…' : 'Cancel the change'}
      </button>
    </div>
  );
}

/**
 * Asks for a new sign-in email: the API mails a confirmation link to it, and the email
 * changes only once that link is opened (`/confirm-email/{token}`).
 */
export function ChangeEmailForm() {
  const { me, reloadMe } = useConsole();
  const [email, setEmail] = useState('');
  const [outcome, setOutcome] = useState<EmailChangeOutcome | null>(null);
  const submit = useSubmit(FIELDS);
  const cancel = useSubmit();
  const error = submit.fields.email;
  const busy = submit.busy || cancel.busy;

  const onSubmit = (event: Event) => {
    event.preventDefault();
    if (!isNewEmail(me.email, email) || busy) return;
    setOutcome(null);
    cancel.clear();
    void submit.run(async () => {
      const answered = await call(api.PATCH('/v1/me', { body: { email: email.trim() } }));
      setOutcome(emailChangeOutcome(email, me.email, answered));
      setEmail('');
      reloadMe();
    });
  };
  const onCancel = (pending: PendingEmail) => {
    if (busy) return;
    setOutcome(null);
    submit.clear();
    void cancel.run(async () => {
      // Asking for the email it already has calls off the change waiting for confirmation.
      const answered = await call(api.PATCH('/v1/me', { body: { email: me.email } }));
      setOutcome({ kind: 'cancelled', requested: pending.email, current: answered.email });
      reloadMe();
    });
  };
  const problem = submit.message ?? cancel.message;
  const pending = me.pending_email;
  return (
    <form class="panel" onSubmit={onSubmit} noValidate aria-labelledby="email-title">
      <h2 id="email-title">Change email</h2>
      <p class="small">
        You sign in with <strong data-testid="current-email">{me.email}</strong>.
      </p>
      {outcome && <Notice kind={outcome.kind === 'cancelled' ? 'info' : 'success'}>{describeEmailChange(outcome)}</Notice>}
      {problem && <Notice kind="error">{problem}</Notice>}
      {pending && <PendingChange pending={pending} busy={busy} cancelling={cancel.busy} onCancel={() => onCancel(pending)} />}
      <Field
        id="email-new"
        label="New email"
        hint="We send a confirmation link to the new address. Your email changes once you open it."
        error={error}
      >
        <input type="email" autocomplete="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} {...describedBy('email-new', true, error)} />
      </Field>
      <div class="actions">
        <button type="submit" class="button-primary" disabled={!isNewEmail(me.email, email) || busy}>
          {submit.busy ? 'Sending…' : 'Change email'}
        </button>
      </div>
    </form>
  );
}
