import { afterEach, describe, expect, it, vi } from 'vitest';
import { setSession, type Session } from '../../api/session';
import type { HeldDirectoryChange } from '../../api/types';
import {
  heldChangeWords,
  heldMemberExists,
  issuedNotice,
  issueScimToken,
  loadHeldChanges,
  loadScimConnection,
  revokeScimToken,
  scimBaseUrl,
} from './directorySync';

const admin: Session = { accessToken: 'admin-access', refreshToken: 'admin-refresh', orgId: 'o1', memberId: 'm1', email: 'ada@north.test', passwordChangeRequired: false };

const connection = { issued_at: '2026-12-01T03:40:48Z', issued_by: 'm1', base_url: 'https://roster.test/scim/v2' };

function answer(status: number, body?: unknown) {
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

/** Stubs fetch with one answer; returns what was asked (method, path, authorization). */
function serve(status: number, body?: unknown): string[] {
  const seen: string[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (request: Request) => {
      seen.push(`${request.method} ${new URL(request.url).pathname} ${request.headers.get('authorization')}`);
      return answer(status, body);
    }),
  );
  setSession(admin);
  return seen;
}

afterEach(() => {
  vi.unstubAllGlobals();
  setSession(null);
});

describe('the directory connection', () => {
  it('is read as the signed-in admin, never with its token', async () => {
    const seen = serve(200, connection);
    expect(await loadScimConnection('o1')).toEqual(connection);
    expect(seen).toEqual(['GET /v1/orgs/o1/scim/token Bearer admin-access']);
  });

  it('is null when the org has none (404)', async () => {
    serve(404, { status: 404, code: 'not_found' });
    expect(await loadScimConnection('o1')).toBeNull();
  });

  it('throws any other problem, for the section to say', async () => {
    serve(403, { status: 403, code: 'forbidden' });
    await expect(loadScimConnection('o1')).rejects.toMatchObject({ problem: { status: 403, code: 'forbidden' } });
  });

  it('answers a new token once, and revokes it', async () => {
    const issued = serve(201, { token: 'roster_scim_o1_secret', base_url: connection.base_url });
    expect(await issueScimToken('o1')).toEqual({ token: 'roster_scim_o1_secret', base_url: connection.base_url });
    expect(issued).toEqual(['POST /v1/orgs/o1/scim/token Bearer admin-access']);
    const revoked = serve(204);
    await expect(revokeScimToken('o1')).resolves.toBeUndefined();
    expect(revoked).toEqual(['DELETE /v1/orgs/o1/scim/token Bearer admin-access']);
  });
});

describe('scimBaseUrl', () => {
  it('is the server’s once there is a connection, else the API’s at this address', () => {
    expect(scimBaseUrl(connection, 'https://console.test')).toBe('https://roster.test/scim/v2');
    expect(scimBaseUrl(null, 'https://console.test')).toBe('https://console.test/scim/v2');
  });
});

describe('issuedNotice', () => {
  it('says a replaced token stopped working', () => {
    expect(issuedNotice(false)).toBe('The directory token was created: give your identity provider the base URL and the token now.');
    expect(issuedNotice(true)).toBe('A new token was created and the old one no longer works: give your identity provider the new one now.');
  });
});

describe('held changes', () => {
  const held = (kind: string, applies_at: string | null = '2026-12-03T09:00:00Z'): HeldDirectoryChange => ({
    member_id: 'm9',
    email: 'bo@north.test',
    kind,
    received_at: '2026-12-01T03:40:48.123456Z',
    applies_at,
  });

  it('are read in the order the API gives them', async () => {
    const items = [held('deactivate'), held('create')];
    const seen = serve(200, { items, next_cursor: null });
    expect(await loadHeldChanges('o1')).toEqual(items);
    expect(seen).toEqual(['GET /v1/orgs/o1/scim/held Bearer admin-access']);
  });

  it('say what each will do, to whom, when it came and when it applies', () => {
    expect(heldChangeWords(held('deactivate'))).toEqual({
      kind: 'Unlicense',
      email: 'bo@north.test',
      received: 'Received Tuesday 1 December 2026, 03:40 UTC',
      applies: 'applies when the freeze ends (Thursday 3 December 2026, 09:00 UTC)',
    });
    expect(['create', 'activate', 'deactivate', 'delete'].map((kind) => heldChangeWords(held(kind)).kind)).toEqual(['Add', 'License', 'Unlicense', 'Remove']);
    expect(heldChangeWords(held('activate', null)).applies).toBe('applies when the freeze ends');
    expect(heldChangeWords(held('brand_new')).kind).toBe('brand new');
  });

  it('link to the member, but for a creation (the member does not exist yet)', () => {
    expect(heldMemberExists({ kind: 'create' })).toBe(false);
    for (const kind of ['activate', 'deactivate', 'delete']) expect(heldMemberExists({ kind })).toBe(true);
  });
});
