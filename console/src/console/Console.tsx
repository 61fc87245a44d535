import { useEffect, useRef, useState } from 'preact/hooks';
import { accountKey, getSession, onSessionChange, type Session } from '../api/session';
import { navigate, useLocation } from '../router';
import { SignIn } from './auth/SignIn';
import { SsoFinish } from './auth/SsoFinish';
import { SignedIn } from './SignedIn';

/** The admin console: sign in first (or come back from single sign-on), then the screens of the active account. */
export function Console() {
  const [session, setSession] = useState<Session | null>(getSession);
  const [ended, setEnded] = useState<{ reason?: string; email?: string }>({});
  const current = useRef(session);
  const { path } = useLocation();
  useEffect(
    () =>
      onSessionChange((next, reason) => {
        if (!next) setEnded((before) => ({ reason, email: current.current?.email ?? before.email }));
        else if ((reason === 'expired' || reason === 'method_removed') && current.current && accountKey(current.current) !== accountKey(next)) {
          // The active account's session ended while others are held: the accounts page says which.
          navigate('/accounts', { replace: true });
        }
        current.current = next;
        setSession(next);
      }),
    [],
  );
  useEffect(() => {
    if (session && path === '/sign-in') navigate('/', { replace: true });
  }, [session, path]);
  // Where single sign-on comes back to, signed in or not (an org admin's test sign-in).
  if (path === '/sso') return <SsoFinish />;
  if (!session) return <SignIn ended={ended.reason} lastEmail={ended.email} />;
  return <SignedIn key={accountKey(session)} session={session} />;
}
