import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkSsoStart, collectSsoSession } from './auth';
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

describe('checkSsoStart', () => {
  it('goes on when the API redirects to the identity provider (an opaque redirect, not followed)', async () => {
    const fetch = vi.fn(async (_url: string, _init?: RequestInit) => ({ type: 'opaqueredirect', status: 0, ok: false }) as Response);
    vi.stubGlobal('fetch', fetch);
    await expect(checkSsoStart('/v1/auth/sso/start?email=pat%40north.test')).resolves.toBeUndefined();
    expect(fetch.mock.calls[0][1]?.redirect).toBe('manual');
  });

  it('throws the problem it can word: no org claims the domain, a malformed email', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => answer(404, { status: 404, code: 'not_found' })));
    await expect(checkSsoStart('/v1/auth/sso/start?email=pat%40nowhere.test')).rejects.toMatchObject({ problem: { status: 404, code: 'not_found' } });
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => answer(400, { status: 400, code: 'validation_failed', errors: [{ field: 'email', code: 'invalid_email', message: 'x' }] })),
    );
    const error = await checkSsoStart('/v1/auth/sso/start?email=pat').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).problem.errors?.[0].field).toBe('email');
  });

  it('says so when the server cannot be reached', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))));
    await expect(checkSsoStart('/v1/auth/sso/start?org=o1')).rejects.toMatchObject({ problem: { code: 'network_error' } });
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
