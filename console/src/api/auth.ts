// Signing in and changing passwords: the calls that open or renew a session.
import { api } from './client';
import type { operations } from './schema';
import { ApiError, call, problemOf } from './problem';
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
 * The one-time code a single sign-on's callback handed over (`#handoff=`) to a session in the
 * account the identity provider vouched for (the same answer as a code sign-in's). Sent
 * without any held account's token, so a refused code never sets off a refresh. Not stored yet.
 */
export async function collectSsoSession(handoff: string): Promise<Session[]> {
  const answer = await call(api.POST('/v1/auth/sso/session', { body: { handoff }, fetch: (request) => fetch(request) }));
  return sessionsFromCode(answer.accounts as AccountAnswer[], 'sso');
}

/** Where the API answers a single sign-on's start should go (asked for JSON). */
type SsoStartAnswer = operations['startSso']['responses'][200]['content']['application/json'];

/**
 * Starts a single sign-on at `url` (`ssoStartUrl`) with one request, and answers the identity
 * provider's sign-in page for the browser to go to. Asked for JSON, the API answers where to go
 * instead of a redirect a fetch could not read, and sets the cookie that lets only this browser
 * finish the sign-in (same origin: the browser keeps it); or it answers a problem the page can
 * word (no org has verified the email's domain, a malformed email, too many starts, the
 * provider unreachable), where the browser itself would land on the problem's JSON.
 */
export async function startSso(url: string): Promise<string> {
  let response: Response;
  try {
    // A redirect (a server that answers no JSON) is not followed to the provider, which a fetch may not read.
    response = await fetch(url, { redirect: 'manual', credentials: 'same-origin', headers: { accept: 'application/json' } });
  } catch (error) {
    throw new ApiError({ status: 0, code: 'network_error', detail: error instanceof Error ? error.message : String(error) });
  }
  const body = (await response.json().catch(() => null)) as Partial<SsoStartAnswer> | null;
  if (!response.ok) {
    if (response.type === 'opaqueredirect') {
      throw new ApiError({ status: response.status, code: 'client_error', detail: 'The sign-in start answered a redirect, not where to go.' });
    }
    throw new ApiError(problemOf(body, response));
  }
  const to = providerUrl(body?.redirect_to);
  if (!to) throw new ApiError({ status: response.status, code: 'client_error', detail: 'The sign-in start did not say where to go.' });
  return to;
}

/** An absolute http(s) address, or null: the page goes nowhere else (no `javascript:`). */
function providerUrl(to: unknown): string | null {
  if (typeof to !== 'string') return null;
  try {
    const url = new URL(to);
    return url.protocol === 'https:' || url.protocol === 'http:' ? to : null;
  } catch {
    return null;
  }
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
