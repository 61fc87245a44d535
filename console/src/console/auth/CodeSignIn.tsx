import { useEffect, useRef, useState } from 'preact/hooks';
import { requestCode, verifyCode } from '../../api/auth';
import { describedBy, Field } from '../../components/Field';
import { SignInEmailField } from '../../components/SignInEmailField';
import { Notice } from '../../components/Notice';
import { useSubmit } from '../../hooks/useSubmit';
import { codeDigits } from './code';
import { holdAccounts } from './holdAccounts';

const FIELDS = ['email', 'code'] as const;

/** A code sign-in's problems in words where the general sentence would not say what to do. */
const CODE_PROBLEMS: Record<string, string> = {
  login_method_not_allowed:
    'The code was right, but none of the accounts of this email may sign in with a code. Sign in with your password instead, or ask your admin.',
};

const TEMPORARY_ONLY =
  'Your account still has the temporary password an admin sent you. Sign in with that password first (“Sign in with a password instead”) and choose your own.';

/**
 * Sign in with a one-time code: the email first (the page answers the same whether or not
 * it has accounts), then the six digits the email carried. Every account of the email that
 * allows codes is signed in to at once; with several, the accounts page shows them.
 */
export function CodeSignIn({ initialEmail, onUsePassword }: { initialEmail: string; onUsePassword: (email: string) => void }) {
  const [email, setEmail] = useState(initialEmail);
  const [sent, setSent] = useState<{ email: string; minutes: number; again: boolean } | null>(null);
  const [code, setCode] = useState('');
  const [codeError, setCodeError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const submit = useSubmit(FIELDS);
  const codeInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (sent) codeInput.current?.focus();
  }, [sent]);

  const send = (again: boolean) =>
    submit.run(async () => {
      setNote(null);
      const to = again && sent ? sent.email : email.trim();
      const seconds = await requestCode(to);
      setSent({ email: to, minutes: Math.max(1, Math.round(seconds / 60)), again });
      setCode('');
      setCodeError(null);
    });

  const onRequest = (event: Event) => {
    event.preventDefault();
    void send(false);
  };

  const onVerify = (event: Event) => {
    event.preventDefault();
    if (!sent) return;
    const digits = codeDigits(code);
    setCodeError(digits ? null : 'Enter the 6 digits from the email.');
    setNote(null);
    if (!digits) return;
    void submit.run(async () => {
      const sessions = await verifyCode(sent.email, digits);
      if (!holdAccounts(sessions, 'code')) setNote(TEMPORARY_ONLY);
    });
  };

  const problem = submit.problem;
  const message = problem && CODE_PROBLEMS[problem.code] ? CODE_PROBLEMS[problem.code] : submit.message;

  if (!sent) {
    return (
      <>
        <p>We will email you a 6-digit code. It signs you in to every account of your email that allows it.</p>
        {message && <Notice kind="error">{message}</Notice>}
        <form onSubmit={onRequest} noValidate>
          <SignInEmailField id="code-email" label="Email" value={email} onInput={setEmail} error={submit.fields.email} />
          <div class="actions">
            <button type="button" class="button-link" onClick={() => onUsePassword(email)}>
              Sign in with a password instead
            </button>
            <button type="submit" class="button-primary" disabled={submit.busy || email.trim() === ''}>
              {submit.busy ? 'Sending…' : 'Send the code'}
            </button>
          </div>
        </form>
      </>
    );
  }

  const fieldError = codeError ?? submit.fields.code ?? null;
  return (
    <>
      <Notice kind="info">
        {sent.again ? 'We sent a new code. ' : ''}If {sent.email} has an account that can sign in with a code, we have emailed it a 6-digit
        code. It works for {sent.minutes} minutes{sent.again ? ', and only the newest code works' : ''}.
      </Notice>
      {message && <Notice kind="error">{message}</Notice>}
      {note && <Notice kind="warning">{note}</Notice>}
      <form onSubmit={onVerify} noValidate>
        <Field id="code-digits" label="Sign-in code" hint="The 6 digits from the email." error={fieldError}>
          <input
            ref={codeInput}
            class="code-input"
            required
            inputMode="numeric"
            autocomplete="one-time-code"
            maxLength={11}
            value={code}
            onInput={(e) => setCode(e.currentTarget.value)}
            {...describedBy('code-digits', true, fieldError)}
          />
        </Field>
        <div class="actions">
          <button type="submit" class="button-primary" disabled={submit.busy}>
            {submit.busy ? 'Signing in…' : 'Sign in'}
          </button>
        </div>
      </form>
      <div class="actions start">
        <button type="button" class="button-secondary button-small" disabled={submit.busy} onClick={() => void send(true)}>
          Send a new code
        </button>
        <button
          type="button"
          class="button-secondary button-small"
          onClick={() => {
            setSent(null);
            submit.clear();
            setNote(null);
          }}
        >
          Use another email
        </button>
        <button type="button" class="button-link" onClick={() => onUsePassword(sent.email)}>
          Sign in with a password instead
        </button>
      </div>
    </>
  );
}
