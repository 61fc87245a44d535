import { afterEach, describe, expect, it, vi } from 'vitest';
import { setSession, type Session } from '../../api/session';
import type { SsoConnection, SsoDomain } from '../../api/types';
import { PROBLEM_MESSAGES } from '../../errors/messages';
import { domainState, savedNotice, verifyProblem, verifySsoDomain } from './domainVerification';

const admin: Session = { accessToken: 'admin-access', refreshToken: 'admin-refresh', orgId: 'o1', memberId: 'm1', email: 'ada@north.test', passwordChangeRequired: false };

const waiting: SsoDomain = {
  domain: 'north.test',
  verified_at: null,
  dns_record_name: '_roster-verification.north.test',
  dns_record_value: 'roster-domain-verification=abc123',
};
const verified: SsoDomain = { ...waiting, domain: 'south.test', dns_record_name: '_roster-verification.south.test', verified_at: '2026-12-01T03:40:48Z' };

function connection(domains: SsoDomain[], tested_at: string | null = null): SsoConnection {
  return {
    issuer: 'https://idp.example.com',
    client_id: 'roster',
    email_domains: domains.map((d) => d.domain),
    domains,
    jit: 'off',
    redirect_uri: 'https://roster.test/v1/auth/sso/callback',
    client_secret_set: true,
    tested_at,
    updated_at: '2026-12-01T03:00:00Z',
  } as SsoConnection;
}

function answer(status: number, body: unknown = {}) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

afterEach(() => {
  vi.unstubAllGlobals();
  setSession(null);
});

describe('domainState', () => {
  it('says a verified domain is verified, and since which day', () => {
    expect(domainState(verified)).toEqual({ kind: 'verified', label: 'Verified', since: 'on Tuesday 1 December 2026' });
  });

  it('says a domain without its record yet waits for DNS', () => {
    expect(domainState(waiting)).toEqual({ kind: 'waiting', label: 'Waiting for DNS' });
  });
});

describe('savedNotice', () => {
  it('says only that it was saved when nothing is left to do', () => {
    expect(savedNotice(connection([verified], '2026-12-01T04:00:00Z'))).toBe('Single sign-on saved.');
  });

  it('says to test the connection, and to verify the domains still waiting for their record', () => {
    expect(savedNotice(connection([verified]))).toBe('Single sign-on saved. Use “Test sign-in” to check it before people use it.');
    expect(savedNotice(connection([waiting, verified], '2026-12-01T04:00:00Z'))).toBe(
      'Single sign-on saved. Sign-ins by email start once its email domain is verified: add the DNS record shown under Domain ownership, then Verify.',
    );
    const two = savedNotice(connection([waiting, { ...waiting, domain: 'east.test' }]));
    expect(two).toMatch(/^Single sign-on saved\. Use “Test sign-in” to check it before people use it\. /);
    expect(two).toMatch(/add the DNS records shown under Domain ownership, then Verify each\.$/);
  });
});

describe('verifySsoDomain', () => {
  it('asks the API to look the record up, as the signed-in admin, and answers the connection as it is now', async () => {
    const seen: string[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (request: Request) => {
        seen.push(`${request.method} ${new URL(request.url).pathname} ${request.headers.get('authorization')} ${await request.text()}`);
        return answer(200, connection([{ ...waiting, verified_at: '2026-12-02T10:00:00Z' }]));
      }),
    );
    setSession(admin);
    const now = await verifySsoDomain('o1', 'north.test');
    expect(now.domains[0].verified_at).toBe('2026-12-02T10:00:00Z');
    expect(seen).toEqual(['POST /v1/orgs/o1/sso/domains/north.test/verify Bearer admin-access ']);
  });

  it('throws the problem when the record is not there yet', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => answer(409, { status: 409, code: 'sso_domain_unverified', detail: 'no TXT record _roster-verification.north.test' })),
    );
    setSession(admin);
    await expect(verifySsoDomain('o1', 'north.test')).rejects.toMatchObject({ problem: { status: 409, code: 'sso_domain_unverified' } });
  });
});

describe('verifyProblem', () => {
  it('words each refusal of a verification, naming the domain', () => {
    expect(verifyProblem({ status: 409, code: 'sso_domain_unverified' }, 'north.test')).toMatch(
      /^The TXT record for north\.test was not found yet\. .* then Verify again\.$/,
    );
    expect(verifyProblem({ status: 409, code: 'sso_domain_claimed' }, 'north.test')).toBe(
      'Another organization has already verified north.test, so its people sign in there. Remove the domain from this connection, or ask the operator.',
    );
    expect(verifyProblem({ status: 404, code: 'not_found' }, 'north.test')).toMatch(/^north\.test is no longer one of this connection’s email domains/);
    expect(verifyProblem({ status: 503, code: 'unavailable' }, 'north.test')).toBe('The DNS lookup got no answer just now. Try Verify again in a minute.');
  });

  it('falls back on the general words for anything else', () => {
    expect(verifyProblem({ status: 403, code: 'forbidden' }, 'north.test')).toBe(PROBLEM_MESSAGES.forbidden);
    expect(verifyProblem({ status: 0, code: 'network_error' }, 'north.test')).toBe(PROBLEM_MESSAGES.network_error);
  });
});
