// Signing in and changing passwords: the calls that open or renew a session.
import { api } from './client';
import { call } from './problem';
import { deviceToken, rememberDevice } from '../lib/devices';
import { getSession, sessionFrom, setSession, type Session, type TokenAnswer } from './session';

/** Email and password (and the org, when the email has accounts in several) to a session. Not stored yet. */
export async function logIn(email: string, password: string, orgId?: string): Promise<Session> {
  const device = deviceToken(email);
  const answer = await call(
    api.POST('/v1/auth/login', { body: { email, password, ...(orgId ? { org_id: orgId } : {}), ...(device ? { device_token: device } : {}) } }),
  );
  if (answer.device_token) rememberDevice(email, answer.device_token);
  return sessionFrom(answer as TokenAnswer, email);
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

export function signOut() {
  if (getSession()) setSession(null, 'signed_out');
}
