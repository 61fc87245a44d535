// What a sign-in by code or by single sign-on does with the accounts it opened.
import { addAccounts, type Session } from '../../api/session';
import { navigate } from '../../router';

/**
 * Holds the accounts a sign-in opened and goes on to the console: to the accounts page when
 * there are several (or some were left out), else to `then` (when given). An account whose
 * temporary password was never changed can only change it, which needs that password: those
 * are left for a password sign-in. Answers false, holding nothing, when no account is left.
 */
export function holdAccounts(sessions: Session[], welcome: 'code' | 'sso', then?: string): boolean {
  const usable = sessions.filter((s) => !s.passwordChangeRequired);
  const temporary = sessions.length - usable.length;
  if (usable.length === 0) return false;
  if (usable.length > 1 || temporary > 0) {
    const query = new URLSearchParams({ welcome, ...(temporary > 0 ? { temporary: String(temporary) } : {}) });
    navigate(`/accounts?${query}`, { replace: true });
  } else if (then) {
    navigate(then, { replace: true });
  }
  addAccounts(usable);
  return true;
}
