import { useState } from 'preact/hooks';
import { changePassword } from '../../api/auth';
import { Notice } from '../../components/Notice';
import { PasswordField } from '../../components/PasswordField';
import { useSubmit } from '../../hooks/useSubmit';
import { useConsole } from '../context';

const FIELDS = ['current_password', 'new_password'] as const;

/** Changes the password; the console signs in again with it (older sessions end). */
export function ChangePasswordForm() {
  const { session } = useConsole();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const [changed, setChanged] = useState(false);
  const submit = useSubmit(FIELDS);

  const onSubmit = (event: Event) => {
    event.preventDefault();
    setMismatch(next !== confirm);
    setChanged(false);
    if (next !== confirm) return;
    void submit.run(async () => {
      await changePassword(session, current, next);
      setCurrent('');
      setNext('');
      setConfirm('');
      setChanged(true);
    });
  };
  return (
    <form class="panel" onSubmit={onSubmit} noValidate aria-labelledby="password-title">
      <h2 id="password-title">Change password</h2>
      <p class="small">Other places where you are signed in will have to sign in again.</p>
      {changed && <Notice kind="success">Your password was changed.</Notice>}
      {submit.message && <Notice kind="error">{submit.message}</Notice>}
      <PasswordField id="password-current" label="Current password" value={current} onInput={setCurrent} error={submit.fields.current_password} autocomplete="current-password" />
      <PasswordField id="password-new" label="New password" value={next} onInput={setNext} error={submit.fields.new_password} autocomplete="new-password" strength />
      <PasswordField
        id="password-confirm"
        label="Repeat the new password"
        value={confirm}
        onInput={setConfirm}
        error={mismatch ? 'The two passwords are not the same.' : null}
        autocomplete="new-password"
      />
      <div class="actions">
        <button type="submit" class="button-primary" disabled={!current || !next || submit.busy}>
          {submit.busy ? 'Saving…' : 'Change password'}
        </button>
      </div>
    </form>
  );
}
