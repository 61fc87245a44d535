// The typed API client: openapi-fetch over the generated OpenAPI types, with the active
// account's bearer token added and, on a 401, one refresh of that account (when it has a
// refresh token) and one retry.
import createClient from 'openapi-fetch';
import type { paths } from './schema';
import { accountKey, dropAccount, findAccount, getSession, sessionFrom, updateAccount, type Session, type TokenAnswer } from './session';

/** The refresh under way for each account, shared by every request of it that met a 401 meanwhile. */
const refreshing = new Map<string, Promise<Session | null>>();

/** Renews one account with its own refresh token; drops it (and says why) when its session has ended. */
async function refresh(session: Session): Promise<Session | null> {
  const key = accountKey(session);
  if (!session.refreshToken) {
    dropAccount(key, 'expired');
    return null;
  }
  const response = await fetch('/v1/auth/refresh', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refresh_token: session.refreshToken }),
  }).catch(() => null);
  if (!response?.ok) {
    // 403 login_method_not_allowed: the org (or an admin) took away the way this session began.
    const body = response ? ((await response.json().catch(() => null)) as { code?: string } | null) : null;
    dropAccount(key, body?.code === 'login_method_not_allowed' ? 'method_removed' : 'expired');
    return null;
  }
  const renewed = sessionFrom((await response.json()) as TokenAnswer, session.email, findAccount(key) ?? session);
  // Kept only while the account is still held (not signed out of meanwhile), without
  // making it the active one again (the person may have switched meanwhile).
  updateAccount(renewed);
  return findAccount(key) ? renewed : null;
}

/** One refresh at a time per account. */
export function refreshOnce(session: Session): Promise<Session | null> {
  const key = accountKey(session);
  let pending = refreshing.get(key);
  if (!pending) {
    pending = refresh(session).finally(() => refreshing.delete(key));
    refreshing.set(key, pending);
  }
  return pending;
}

export async function authorizedFetch(request: Request): Promise<Response> {
  const session = getSession();
  if (!session || request.headers.has('authorization')) return fetch(request);
  const retry = request.clone();
  request.headers.set('authorization', `Bearer ${session.accessToken}`);
  const response = await fetch(request);
  if (response.status !== 401) return response;
  // The same account as it is now: renewed by another request meanwhile, or not held any more.
  const held = findAccount(accountKey(session));
  if (!held) return response;
  const renewed = held.accessToken !== session.accessToken ? held : await refreshOnce(held);
  if (!renewed) return response;
  retry.headers.set('authorization', `Bearer ${renewed.accessToken}`);
  return fetch(retry);
}

export const api = createClient<paths>({
  baseUrl: typeof location === 'undefined' ? 'http://localhost' : location.origin,
  fetch: authorizedFetch,
});
