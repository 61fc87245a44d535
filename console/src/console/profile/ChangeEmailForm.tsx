import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import { setSessionEmail } from '../../api/session';
import { describedBy, Field } from '../../components/Field';
import { Notice } from '../../components/Notice';
import { EMAIL_CONFLICTS } from '../../errors/messages';
import { useSubmit } from '../../hooks/useSubmit';
import { useConsole } from '../context';
import { describeEmailChange, emailChangeOutcome, isNewEmail, type EmailChangeOutcome } from './emailChange';

const FIELDS = ['email'] as const;

/** Changes the member's own sign-in email, and says what the API did with it. */
export function ChangeEmailForm() {
  const { me, reloadMe } = useConsole();
  const [email, setEmail] = useState('');
  const [outcome, setOutcome] = useState<EmailChangeOutcome | null>(null);
  const submit = useSubmit(FIELDS, EMAIL_CONFLICTS);
  const error = submit.fields.email;

  const onSubmit = (event: Event) => {
    event.preventDefault();
    if (!isNewEmail(me.email, email)) return;
    setOutcome(null);
    void submit.run(async () => {
      const answered = await call(api.PATCH('/v1/me', { body: { email: email.trim() } }));
      const result = emailChangeOutcome(email, me.email, answered);
      if (result.kind === 'changed') setSessionEmail(result.email);
      setOutcome(result);
      setEmail('');
      reloadMe();
    });
  };
  return (
    <form class="panel" onSubmit={onSubmit} noValidate aria-labelledby="email-title">
      <h2 id="email-title">Change email</h2>
      <p class="small">
        You sign in with <strong data-testid="current-email">{me.email}</strong>.
      </p>
      {outcome && <Notice kind={outcome.kind === 'changed' ? 'success' : 'info'}>{describeEmailChange(outcome)}</Notice>}
      {submit.message && <Notice kind="error">{submit.message}</Notice>}
      <Field id="email-new" label="New email" error={error}>
        <input type="email" autocomplete="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} {...describedBy('email-new', false, error)} />
      </Field>
      <div class="actions">
        <button type="submit" class="button-primary" disabled={!isNewEmail(me.email, email) || submit.busy}>
          {submit.busy ? 'Saving…' : 'Change email'}
        </button>
      </div>
    </form>
  );
}
