// Signing in and changing passwords: the calls that open or renew a session.
import { api } from './client';
import { call } from './problem';
import { deviceToken, rememberDevice } from '../lib/devices';
import { getAccounts, getSession, sessionFrom, sessionsFromCode, setSession, type AccountAnswer, type Session, type TokenAnswer } from './session';

/** Email and password (and the org, when the email has accounts in several) to a session. Not stored yet. */
export async function logIn(email: string, password: string, orgId?: string): Promise<Session> {
  const device = deviceToken(email);
  const answer = await call(
    api.POST('/v1/auth/login', { body: { email, password, ...(orgId ? { org_id: orgId } : {}), ...(device ? { device_token: device } : {}) } }),
  );
  if (answer.device_token) rememberDevice(email, answer.device_token);
  return { ...sessionFrom(answer as TokenAnswer, email), method: 'password' };
}

/** Emails a one-time sign-in code to `email` (when it has an account that allows codes). Answers how long the code works, in seconds. */
export async function requestCode(email: string): Promise<number> {
  const answer = await call(api.POST('/v1/auth/otp', { body: { email } }));
  return answer.expires_in;
}

/**
 * The emailed code to a session in every account of the email that allows codes, oldest
 * first. Not stored yet.
 */
export async function verifyCode(email: string, code: string): Promise<Session[]> {
  const answer = await call(api.POST('/v1/auth/otp/verify', { body: { email, code } }));
  return sessionsFromCode(answer.accounts as AccountAnswer[]);
}

/**
 * Changes the password of `session`'s member, then signs in again with the new one
 * (a password change ends the sessions issued before it) and stores that session.
 */
export async function changePassword(session: Session, currentPassword: string, newPassword: string): Promise<Session> {
  await call(
    api.POST('/v1/me/password', {
      body: { current_password: currentPassword, new_password: newPassword },
      headers: { authorization: `Bearer ${session.accessToken}` },
    }),
  );
  const renewed = await logIn(session.email, newPassword, session.orgId);
  setSession(renewed);
  return renewed;
}

/** Signs out of every account held. */
export function signOut() {
  if (getSession() || getAccounts().length > 0) setSession(null, 'signed_out');
}
