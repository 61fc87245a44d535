import { useState } from 'preact/hooks';
import { changePassword } from '../../api/auth';
import type { Session } from '../../api/session';
import { Notice } from '../../components/Notice';
import { PasswordField } from '../../components/PasswordField';
import { useSubmit } from '../../hooks/useSubmit';
import { PublicLayout } from '../../pages/PublicLayout';

const FIELDS = ['new_password', 'confirm'] as const;

/** After signing in with a temporary password: choose your own before anything else. */
export function TemporaryPassword({ session, temporaryPassword }: { session: Session; temporaryPassword: string }) {
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const submit = useSubmit(FIELDS);

  const onSubmit = (event: Event) => {
    event.preventDefault();
    if (password !== confirm) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    void submit.run(async () => {
      await changePassword(session, temporaryPassword, password);
    });
  };

  return (
    <PublicLayout>
      <section class="card narrow" aria-labelledby="temp-title">
        <h1 id="temp-title">Choose your password</h1>
        <p>You signed in with a temporary password. Choose your own password to continue.</p>
        {submit.message && <Notice kind="error">{submit.message}</Notice>}
        <form onSubmit={onSubmit} noValidate>
          <PasswordField
            id="temp-new"
            label="New password"
            value={password}
            onInput={setPassword}
            error={submit.fields.new_password}
            autocomplete="new-password"
            strength
          />
          <PasswordField
            id="temp-confirm"
            label="Repeat the new password"
            value={confirm}
            onInput={setConfirm}
            error={mismatch ? 'The two passwords are not the same.' : null}
            autocomplete="new-password"
          />
          <div class="actions">
            <button type="submit" class="button-primary" disabled={submit.busy}>
              {submit.busy ? 'Saving…' : 'Save password and continue'}
            </button>
          </div>
        </form>
      </section>
    </PublicLayout>
  );
}
