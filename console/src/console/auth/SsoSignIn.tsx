import { useEffect, useState } from 'preact/hooks';
import { startSso } from '../../api/auth';
import { SignInEmailField } from '../../components/SignInEmailField';
import { Notice } from '../../components/Notice';
import { useSubmit } from '../../hooks/useSubmit';
import { ssoStartUrl } from './sso';

const FIELDS = ['email'] as const;

/** Where starting a single sign-on was refused, in words that say what to do instead. */
const START_PROBLEMS: Record<string, string> = {
  not_found:
    'No organization signs in this email’s domain with single sign-on, or its admin has not verified the domain yet. Sign in with your password or a code instead, or check the email.',
};

/**
 * Sign in through the org's identity provider: the work email names the org (the one whose
 * connection claims its verified domain), and the browser leaves for the provider's sign-in
 * page. The start is fetched once: it answers where to go, or a refusal said here in words.
 */
export function SsoSignIn({ initialEmail, onUseOther }: { initialEmail: string; onUseOther: (email: string, method: 'password' | 'code') => void }) {
  const [email, setEmail] = useState(initialEmail);
  const [leaving, setLeaving] = useState(false);
  const submit = useSubmit(FIELDS);
  useEffect(() => {
    // Back from the provider's page (the browser may show this page as it was left): sign in again.
    const shown = (event: PageTransitionEvent) => event.persisted && setLeaving(false);
    window.addEventListener('pageshow', shown);
    return () => window.removeEventListener('pageshow', shown);
  }, []);

  const onSubmit = (event: Event) => {
    event.preventDefault();
    void submit.run(async () => {
      const provider = await startSso(ssoStartUrl({ email: email.trim() }));
      setLeaving(true);
      window.location.assign(provider);
    });
  };

  const problem = submit.problem;
  const message = problem && START_PROBLEMS[problem.code] ? START_PROBLEMS[problem.code] : submit.message;
  return (
    <>
      <p>Your organization’s identity provider signs you in. Enter your work email: we take you to your organization’s sign-in page.</p>
      {message && <Notice kind="error">{message}</Notice>}
      {leaving && <Notice kind="info">Taking you to your organization’s sign-in page…</Notice>}
      <form onSubmit={onSubmit} noValidate>
        <SignInEmailField id="sso-email" label="Work email" value={email} onInput={setEmail} error={submit.fields.email} />
        <div class="actions">
          <button type="submit" class="button-primary" disabled={submit.busy || leaving || email.trim() === ''}>
            {submit.busy || leaving ? 'Continuing…' : 'Continue'}
          </button>
        </div>
      </form>
      <div class="actions start">
        <button type="button" class="button-link" onClick={() => onUseOther(email, 'password')}>
          Sign in with a password instead
        </button>
        <button type="button" class="button-link" onClick={() => onUseOther(email, 'code')}>
          Email me a code instead
        </button>
      </div>
    </>
  );
}
