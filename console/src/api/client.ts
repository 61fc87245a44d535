// The typed API client: openapi-fetch over the generated OpenAPI types, with the bearer
// token added and, on a 401, one refresh (when there is a refresh token) and one retry.
import createClient from 'openapi-fetch';
import type { paths } from './schema';
import { getSession, sessionFrom, setSession, type Session, type TokenAnswer } from './session';

let refreshing: Promise<Session | null> | null = null;

async function refresh(session: Session): Promise<Session | null> {
  if (!session.refreshToken) return null;
  const response = await fetch('/v1/auth/refresh', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refresh_token: session.refreshToken }),
  }).catch(() => null);
  if (!response?.ok) return null;
  const renewed = sessionFrom((await response.json()) as TokenAnswer, session.email, session);
  setSession(renewed);
  return renewed;
}

/** One refresh at a time, shared by every request that met a 401 meanwhile. */
function refreshOnce(session: Session): Promise<Session | null> {
  refreshing ??= refresh(session).finally(() => {
    refreshing = null;
  });
  return refreshing;
}

export async function authorizedFetch(request: Request): Promise<Response> {
  const session = getSession();
  if (!session || request.headers.has('authorization')) return fetch(request);
  const retry = request.clone();
  request.headers.set('authorization', `Bearer ${session.accessToken}`);
  const response = await fetch(request);
  if (response.status !== 401) return response;
  const renewed = getSession() !== session ? getSession() : await refreshOnce(session);
  if (!renewed) {
    // Ended once, even when several requests meet the 401 together.
    if (getSession()) setSession(null, 'expired');
    return response;
  }
  retry.headers.set('authorization', `Bearer ${renewed.accessToken}`);
  return fetch(retry);
}

export const api = createClient<paths>({
  baseUrl: typeof location === 'undefined' ? 'http://localhost' : location.origin,
  fetch: authorizedFetch,
});
