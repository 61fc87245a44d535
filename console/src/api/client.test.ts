import { afterEach, describe, expect, it, vi } from 'vitest';
import { authorizedFetch } from './client';
import { getSession, setSession, type Session } from './session';

const session: Session = { accessToken: 'old-access', refreshToken: 'refresh-1', orgId: 'o1', memberId: 'm1', email: 'a@x.test', passwordChangeRequired: false };

function answer(status: number, body: unknown = {}) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

afterEach(() => {
  vi.unstubAllGlobals();
  setSession(null);
});

describe('authorizedFetch', () => {
  it('adds the bearer token', async () => {
    const fetch = vi.fn(async (_request: Request) => answer(200));
    vi.stubGlobal('fetch', fetch);
    setSession(session);
    await authorizedFetch(new Request('http://localhost/v1/me'));
    expect(fetch.mock.calls[0][0].headers.get('authorization')).toBe('Bearer old-access');
  });

  it('on a 401, renews the session with the refresh token once and retries the request', async () => {
    const seen: string[] = [];
    const fetch = vi.fn(async (input: Request | string, init?: RequestInit) => {
      if (typeof input === 'string') {
        seen.push(`refresh ${init?.body}`);
        return answer(200, { access_token: 'new-access', refresh_token: 'refresh-2', expires_in: 900 });
      }
      seen.push(`${input.method} ${input.headers.get('authorization')} ${await input.clone().text()}`);
      return answer(input.headers.get('authorization') === 'Bearer new-access' ? 200 : 401, { code: 'token_expired' });
    });
    vi.stubGlobal('fetch', fetch);
    setSession(session);
    const response = await authorizedFetch(new Request('http://localhost/v1/me', { method: 'PATCH', body: '{"phone":"1"}' }));
    expect(response.status).toBe(200);
    expect(seen).toEqual([
      'PATCH Bearer old-access {"phone":"1"}',
      'refresh {"refresh_token":"refresh-1"}',
      'PATCH Bearer new-access {"phone":"1"}',
    ]);
    expect(getSession()).toMatchObject({ accessToken: 'new-access', refreshToken: 'refresh-2', orgId: 'o1', email: 'a@x.test' });
  });

  it('without a refresh token, a 401 ends the session so the console asks to sign in again', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => answer(401, { code: 'token_expired' })));
    setSession({ ...session, refreshToken: undefined });
    const response = await authorizedFetch(new Request('http://localhost/v1/me'));
    expect(response.status).toBe(401);
    expect(getSession()).toBeNull();
  });

  it('leaves calls without a session (sign-in, invitation pages) untouched', async () => {
    const fetch = vi.fn(async (_request: Request) => answer(401, { code: 'invalid_credentials' }));
    vi.stubGlobal('fetch', fetch);
    const response = await authorizedFetch(new Request('http://localhost/v1/auth/login', { method: 'POST' }));
    expect(response.status).toBe(401);
    expect(fetch.mock.calls[0][0].headers.has('authorization')).toBe(false);
  });
});
