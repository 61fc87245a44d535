import { afterEach, describe, expect, it, vi } from 'vitest';
import { authorizedFetch } from './client';
import { accountKey, addAccounts, findAccount, getAccounts, getSession, lastEnded, setSession, switchAccount, type Session } from './session';

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

  describe('with several accounts held', () => {
    const north: Session = { ...session, accessToken: 'north-old', refreshToken: 'north-refresh', orgId: 'north', memberId: 'mn', orgName: 'North Clinic' };
    const south: Session = { ...session, accessToken: 'south-old', refreshToken: 'south-refresh', orgId: 'south', memberId: 'ms', orgName: 'South Clinic' };

    it('renews only the active account, with its own refresh token', async () => {
      const refreshed: string[] = [];
      vi.stubGlobal(
        'fetch',
        vi.fn(async (input: Request | string, init?: RequestInit) => {
          if (typeof input === 'string') {
            refreshed.push(String(init?.body));
            return answer(200, { access_token: 'south-new', refresh_token: 'south-refresh-2', expires_in: 900 });
          }
          return answer(input.headers.get('authorization') === 'Bearer south-new' ? 200 : 401, { code: 'token_expired' });
        }),
      );
      addAccounts([north, south], accountKey(south));
      expect((await authorizedFetch(new Request('http://localhost/v1/me'))).status).toBe(200);
      expect(refreshed).toEqual(['{"refresh_token":"south-refresh"}']);
      expect(getSession()).toMatchObject({ orgId: 'south', accessToken: 'south-new', refreshToken: 'south-refresh-2', orgName: 'South Clinic' });
      expect(findAccount(accountKey(north))).toEqual(north);
    });

    it('a refresh refused because the method was taken away drops that account only, and says why', async () => {
      vi.stubGlobal(
        'fetch',
        vi.fn(async (input: Request | string) =>
          typeof input === 'string' ? answer(403, { code: 'login_method_not_allowed' }) : answer(401, { code: 'token_expired' }),
        ),
      );
      addAccounts([north, south], accountKey(south));
      expect((await authorizedFetch(new Request('http://localhost/v1/me'))).status).toBe(401);
      expect(getAccounts().map((a) => a.orgId)).toEqual(['north']);
      expect(getSession()?.orgId).toBe('north');
      expect(lastEnded()).toMatchObject({ orgName: 'South Clinic', reason: 'method_removed' });
    });

    it('a refresh that ends after the person switched keeps the new tokens but not the old account active', async () => {
      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => (release = resolve));
      vi.stubGlobal(
        'fetch',
        vi.fn(async (input: Request | string) => {
          if (typeof input === 'string') {
            await held;
            return answer(200, { access_token: 'north-new', refresh_token: 'north-refresh-2', expires_in: 900 });
          }
          return answer(input.headers.get('authorization') === 'Bearer north-new' ? 200 : 401, { code: 'token_expired' });
        }),
      );
      addAccounts([north, south]);
      const pending = authorizedFetch(new Request('http://localhost/v1/me'));
      await new Promise((resolve) => setTimeout(resolve, 0));
      switchAccount(accountKey(south));
      release();
      await pending;
      expect(getSession()?.orgId).toBe('south');
      expect(findAccount(accountKey(north))).toMatchObject({ accessToken: 'north-new', refreshToken: 'north-refresh-2' });
    });
  });
});
