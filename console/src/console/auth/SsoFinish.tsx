import { useEffect, useState } from 'preact/hooks';
import { collectSsoSession } from '../../api/auth';
import { getSession } from '../../api/session';
import { Link } from '../../components/Link';
import { Notice } from '../../components/Notice';
import { useResource } from '../../hooks/useResource';
import { PublicLayout } from '../../pages/PublicLayout';
import { holdAccounts } from './holdAccounts';
import { ssoResult, takeSsoOutcome, takeSsoTest, type SsoResult } from './sso';

const TEMPORARY_ONLY =
  'Your identity provider signed you in, but your account still has the temporary password an admin sent you. Sign in with that password first and choose your own.';

const collecting = new Map<string, Promise<boolean>>();

/**
 * Collects the session a handoff code opens, once per page load (the code works once), and
 * holds its account the way a code sign-in does, going on to `then`. Answers false when the
 * account still has a temporary password (nothing is held).
 */
function collectOnce(handoff: string, then: string): Promise<boolean> {
  let pending = collecting.get(handoff);
  if (!pending) {
    pending = collectSsoSession(handoff).then((sessions) => holdAccounts(sessions, 'sso', then));
    collecting.set(handoff, pending);
  }
  return pending;
}

/** The outcome in words, and the way on: back to the settings after a test, to the console when signed in, else to sign-in. */
function SsoAnswer({ result }: { result: SsoResult }) {
  const signedIn = getSession() !== null;
  const [href, label] =
    signedIn && result.next === 'settings' ? ['/settings', 'Back to Settings'] : signedIn ? ['/', 'Back to the console'] : ['/sign-in', 'Back to sign-in'];
  return (
    <PublicLayout>
      <section class="card narrow" aria-labelledby="sso-title" data-testid="sso-result">
        <p class="eyebrow">Single sign-on</p>
        <h1 id="sso-title">{result.title}</h1>
        <Notice kind={result.kind}>{result.text}</Notice>
        <p>
          <Link href={href} class={result.kind === 'success' ? 'button-primary' : 'button-secondary'}>
            {label}
          </Link>
        </p>
      </section>
    </PublicLayout>
  );
}

function Collecting({ handoff, testing }: { handoff: string; testing: boolean }) {
  const collected = useResource(() => collectOnce(handoff, testing ? '/settings' : '/'), [handoff]);
  if (collected.state === 'error') return <SsoAnswer result={ssoResult({ kind: 'problem', problem: collected.problem }, testing)} />;
  if (collected.state === 'ready' && !collected.data) {
    return <SsoAnswer result={{ kind: 'warning', title: 'Choose your password first', text: TEMPORARY_ONLY, next: 'sign_in' }} />;
  }
  return (
    <PublicLayout>
      <p class="loading" role="status">
        <span class="spinner" aria-hidden="true" /> Signing you in…
      </p>
    </PublicLayout>
  );
}

/**
 * `/sso`: where the API's single sign-on callback sends the browser, the outcome in the URL's
 * fragment (taken out of the address bar at once). A handoff code is exchanged for the
 * session; anything else is said in words (after an org admin's test sign-in, as what the
 * test showed).
 */
export function SsoFinish() {
  const [outcome, setOutcome] = useState(takeSsoOutcome);
  const [testing] = useState(() => takeSsoTest() !== null);
  useEffect(() => {
    // Sent here again while the page is open (only the fragment changes): read the new outcome.
    const again = () => setOutcome(takeSsoOutcome());
    window.addEventListener('hashchange', again);
    return () => window.removeEventListener('hashchange', again);
  }, []);
  if (outcome.kind === 'handoff') return <Collecting handoff={outcome.handoff} testing={testing} />;
  return <SsoAnswer result={ssoResult(outcome, testing)} />;
}
