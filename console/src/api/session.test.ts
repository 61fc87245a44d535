import { afterEach, describe, expect, it } from 'vitest';
import { getSession, onSessionChange, setSession, setSessionEmail, type Session } from './session';

const session: Session = { accessToken: 'a', refreshToken: 'r', orgId: 'o1', memberId: 'm1', email: 'old@x.test', passwordChangeRequired: false };

afterEach(() => setSession(null));

describe('setSessionEmail', () => {
  it('keeps the session, with the new email (used to sign in again after a password change)', () => {
    setSession(session);
    const seen: (string | undefined)[] = [];
    const stop = onSessionChange((next) => seen.push(next?.email));
    setSessionEmail('new@x.test');
    stop();
    expect(getSession()).toEqual({ ...session, email: 'new@x.test' });
    expect(seen).toEqual(['new@x.test']);
  });

  it('does nothing without a session or when the email is the same', () => {
    setSessionEmail('new@x.test');
    expect(getSession()).toBeNull();
    setSession(session);
    let calls = 0;
    const stop = onSessionChange(() => calls++);
    setSessionEmail('old@x.test');
    stop();
    expect(calls).toBe(0);
  });
});
