import { afterEach, describe, expect, it, vi } from 'vitest';
import { collectSsoSession, startSso } from './auth';
import { ApiError } from './problem';
import { getSession, setSession, type Session } from './session';

const admin: Session = { accessToken: 'admin-access', refreshToken: 'admin-refresh', orgId: 'o1', memberId: 'm1', email: 'ada@north.test', passwordChangeRequired: false };

function answer(status: number, body: unknown = {}) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

afterEach(() => {
  vi.unstubAllGlobals();
  setSession(null);
});

describe('startSso', () => {
  const PROVIDER = 'https://idp.example.com/authorize?client_id=roster&state=s1&login_hint=pat%40north.test';

  it('asks once, for JSON, and answers where the identity provider signs the person in', async () => {
    const fetch = vi.fn(async (_url: string, _init?: RequestInit) => answer(200, { redirect_to: PROVIDER }));
    vi.stubGlobal('fetch', fetch);
    await expect(startSso('/v1/auth/sso/start?email=pat%40north.test')).resolves.toBe(PROVIDER);
    expect(fetch).toHaveBeenCalledTimes(1);
    const [url, init] = fetch.mock.calls[0];
    expect(url).toBe('/v1/auth/sso/start?email=pat%40north.test');
    expect(new Headers(init?.headers).get('accept')).toBe('application/json');
    // Same origin, so the browser keeps the cookie that lets only it finish the sign-in; a redirect is not followed.
    expect(init?.credentials).toBe('same-origin');
    expect(init?.redirect).toBe('manual');
  });

  it('throws the problem it can word: no org has verified the domain, a malformed email, too many starts', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => answer(404, { status: 404, code: 'not_found' })));
    await expect(startSso('/v1/auth/sso/start?email=pat%40nowhere.test')).rejects.toMatchObject({ problem: { status: 404, code: 'not_found' } });
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => answer(400, { status: 400, code: 'validation_failed', errors: [{ field: 'email', code: 'invalid_email', message: 'x' }] })),
    );
    const error = await startSso('/v1/auth/sso/start?email=pat').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).problem.errors?.[0].field).toBe('email');
    vi.stubGlobal(
      'fetch',
      vi.fn(
        async () =>
          new Response(JSON.stringify({ status: 429, code: 'rate_limited' }), {
            status: 429,
            headers: { 'content-type': 'application/problem+json', 'retry-after': '120' },
          }),
      ),
    );
    await expect(startSso('/v1/auth/sso/start?org=o1')).rejects.toMatchObject({ problem: { status: 429, code: 'rate_limited', retry_after: 120 } });
  });

  it('says so when the server cannot be reached', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))));
    await expect(startSso('/v1/auth/sso/start?org=o1')).rejects.toMatchObject({ problem: { code: 'network_error' } });
  });

  it('goes nowhere when the answer does not say where, or names something other than a web address', async () => {
    for (const body of [{}, { redirect_to: '' }, { redirect_to: '/relative' }, { redirect_to: 'javascript:alert(1)' }, { redirect_to: 42 }]) {
      vi.stubGlobal('fetch', vi.fn(async () => answer(200, body)));
      await expect(startSso('/v1/auth/sso/start?org=o1')).rejects.toMatchObject({ problem: { code: 'client_error' } });
    }
    // A server that still answers the redirect (not followed: an opaque redirect).
    const opaque = { type: 'opaqueredirect', status: 0, ok: false, json: async () => Promise.reject(new SyntaxError('empty')) };
    vi.stubGlobal('fetch', vi.fn(async () => opaque as unknown as Response));
    await expect(startSso('/v1/auth/sso/start?org=o1')).rejects.toMatchObject({ problem: { code: 'client_error' } });
  });
});

describe('collectSsoSession', () => {
  it('answers the account the provider vouched for, as a session begun by single sign-on', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () =>
        answer(200, {
          accounts: [{ org_id: 'o2', member_id: 'm2', org_name: 'North Clinic', role: 'member', email: 'pat@north.test', access_token: 'a', refresh_token: 'r', expires_in: 900 }],
        }),
      ),
    );
    expect(await collectSsoSession('handoff-1')).toEqual([
      { accessToken: 'a', refreshToken: 'r', orgId: 'o2', memberId: 'm2', email: 'pat@north.test', passwordChangeRequired: false, orgName: 'North Clinic', role: 'member', method: 'sso' },
    ]);
  });

  it('sends no held account’s token, so a refused code does not renew (or end) that account', async () => {
    const seen: string[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (input: Request | string) => {
        const request = typeof input === 'string' ? new Request(`http://localhost${input}`) : input;
        seen.push(`${request.method} ${new URL(request.url).pathname} ${request.headers.get('authorization') ?? 'anonymous'}`);
        return answer(401, { status: 401, code: 'invalid_code' });
      }),
    );
    setSession(admin);
    await expect(collectSsoSession('used')).rejects.toMatchObject({ problem: { status: 401, code: 'invalid_code' } });
    expect(seen).toEqual(['POST /v1/auth/sso/session anonymous']);
    expect(getSession()).toEqual(admin);
  });
});
