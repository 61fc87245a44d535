import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  accountKey,
  addAccounts,
  dropAccount,
  findAccount,
  getAccounts,
  getSession,
  lastEnded,
  onSessionChange,
  sessionsFromCode,
  setSession,
  switchAccount,
  updateAccount,
  type Session,
} from './session';

const account = (org: string, extra: Partial<Session> = {}): Session => ({
  accessToken: `access-${org}`,
  refreshToken: `refresh-${org}`,
  orgId: org,
  memberId: `m-${org}`,
  email: 'pat@x.test',
  passwordChangeRequired: false,
  orgName: `${org.toUpperCase()} Clinic`,
  role: 'member',
  method: 'email_otp',
  ...extra,
});
const north = account('north');
const south = account('south');
const east = account('east');

/** What the listeners heard: the active account's org (or null) and why. */
function listen(): { heard: string[]; stop: () => void } {
  const heard: string[] = [];
  const stop = onSessionChange((active, reason) => heard.push(`${active?.orgId ?? 'none'} ${reason ?? ''}`.trim()));
  return { heard, stop };
}

afterEach(() => setSession(null));

describe('the accounts a code sign-in holds', () => {
  it('holds every account, acting as the first (the oldest) until told otherwise', () => {
    addAccounts([north, south, east]);
    expect(getAccounts().map((a) => a.orgId)).toEqual(['north', 'south', 'east']);
    expect(getSession()).toEqual(north);
  });

  it('switches to another account without signing in again, and says so', () => {
    addAccounts([north, south]);
    const { heard, stop } = listen();
    switchAccount(accountKey(south));
    switchAccount(accountKey(south)); // already active: nothing
    switchAccount('nowhere/nobody'); // not held: nothing
    stop();
    expect(getSession()?.orgId).toBe('south');
    expect(heard).toEqual(['south switched']);
    expect(getAccounts()).toHaveLength(2);
  });

  it('renews one account without touching the others or which one is active', () => {
    addAccounts([north, south]);
    updateAccount({ ...south, accessToken: 'access-south-2', refreshToken: 'refresh-south-2', orgName: undefined });
    expect(getSession()?.orgId).toBe('north');
    expect(findAccount(accountKey(south))).toMatchObject({ accessToken: 'access-south-2', refreshToken: 'refresh-south-2', orgName: 'SOUTH Clinic' });
    expect(findAccount(accountKey(north))).toEqual(north);
  });

  it('does not bring back an account signed out of while its refresh was under way', () => {
    addAccounts([north, south]);
    dropAccount(accountKey(south), 'signed_out_one');
    updateAccount({ ...south, accessToken: 'late' });
    expect(findAccount(accountKey(south))).toBeNull();
    expect(getAccounts()).toHaveLength(1);
  });

  it('signs out of an account that is not active: the active one stays', () => {
    addAccounts([north, south, east]);
    dropAccount(accountKey(south), 'signed_out_one');
    expect(getAccounts().map((a) => a.orgId)).toEqual(['north', 'east']);
    expect(getSession()?.orgId).toBe('north');
    expect(lastEnded()).toEqual({ orgName: 'SOUTH Clinic', email: 'pat@x.test', reason: 'signed_out_one' });
  });

  it('when the active account ends, acts as the first one left and remembers which ended', () => {
    addAccounts([north, south, east], accountKey(south));
    const { heard, stop } = listen();
    dropAccount(accountKey(south), 'expired');
    stop();
    expect(getSession()?.orgId).toBe('north');
    expect(heard).toEqual(['north expired']);
    expect(lastEnded()).toMatchObject({ orgName: 'SOUTH Clinic', reason: 'expired' });
    // A switch is a fresh start: the notice goes.
    switchAccount(accountKey(east));
    expect(lastEnded()).toBeNull();
  });

  it('signing out of the last account signs out', () => {
    addAccounts([north]);
    const { heard, stop } = listen();
    dropAccount(accountKey(north), 'signed_out_one');
    stop();
    expect(getSession()).toBeNull();
    expect(getAccounts()).toEqual([]);
    expect(heard).toEqual(['none signed_out_one']);
    expect(lastEnded()).toBeNull();
  });

  it('signing out of all drops every account', () => {
    addAccounts([north, south]);
    setSession(null, 'signed_out');
    expect(getSession()).toBeNull();
    expect(getAccounts()).toEqual([]);
  });

  it('a password sign-in for a held account replaces its session, keeping its org name and role', () => {
    addAccounts([north, south]);
    setSession({ ...south, accessToken: 'by-password', orgName: undefined, role: undefined, method: 'password' });
    expect(getSession()).toMatchObject({ orgId: 'south', accessToken: 'by-password', orgName: 'SOUTH Clinic', role: 'member', method: 'password' });
    expect(getAccounts()).toHaveLength(2);
  });

  it('reads a code sign-in answer as sessions, oldest first', () => {
    const sessions = sessionsFromCode([
      {
        org_id: 'o1',
        member_id: 'm1',
        org_name: 'North Clinic',
        role: 'org_admin',
        email: 'pat@x.test',
        access_token: 'a1',
        refresh_token: 'r1',
        password_change_required: false,
      },
      { org_id: 'o2', member_id: 'm2', org_name: 'South Clinic', role: 'member', email: 'pat@x.test', access_token: 'a2', password_change_required: true },
    ]);
    expect(sessions).toEqual([
      { accessToken: 'a1', refreshToken: 'r1', orgId: 'o1', memberId: 'm1', email: 'pat@x.test', passwordChangeRequired: false, orgName: 'North Clinic', role: 'org_admin', method: 'email_otp' },
      { accessToken: 'a2', refreshToken: undefined, orgId: 'o2', memberId: 'm2', email: 'pat@x.test', passwordChangeRequired: true, orgName: 'South Clinic', role: 'member', method: 'email_otp' },
    ]);
  });
});

describe('keeping the accounts in sessionStorage', () => {
  let storage: Map<string, string>;
  beforeEach(() => {
    storage = new Map();
    vi.stubGlobal('sessionStorage', {
      getItem: (key: string) => storage.get(key) ?? null,
      setItem: (key: string, value: string) => void storage.set(key, value),
      removeItem: (key: string) => void storage.delete(key),
    });
    vi.resetModules();
  });
  afterEach(() => vi.unstubAllGlobals());

  it('a reload (a fresh module) finds every account and the active one', async () => {
    const first = await import('./session');
    first.addAccounts([north, south]);
    first.switchAccount(first.accountKey(south));
    expect(JSON.parse(storage.get('roster.accounts')!)).toMatchObject({ active: 'south/m-south' });
    vi.resetModules();
    const reloaded = await import('./session');
    expect(reloaded.getAccounts()).toEqual([north, south]);
    expect(reloaded.getSession()).toEqual(south);
    reloaded.setSession(null, 'signed_out');
    expect(storage.has('roster.accounts')).toBe(false);
  });

  it('reads the one session an older console kept, and keeps it the new way', async () => {
    const older = { accessToken: 'access-north', refreshToken: 'refresh-north', orgId: 'north', memberId: 'm-north', email: 'pat@x.test', passwordChangeRequired: false };
    storage.set('roster.session', JSON.stringify(older));
    const session = await import('./session');
    expect(session.getSession()).toMatchObject({ orgId: 'north', accessToken: 'access-north' });
    session.updateAccount({ ...session.getSession()!, orgName: 'North Clinic' });
    expect(storage.has('roster.session')).toBe(false);
    expect(JSON.parse(storage.get('roster.accounts')!).accounts[0].orgName).toBe('North Clinic');
  });

  it('ignores what it cannot read', async () => {
    storage.set('roster.accounts', '{"active": "x", "accounts": [{"nope": 1}]}');
    const session = await import('./session');
    expect(session.getSession()).toBeNull();
    expect(session.getAccounts()).toEqual([]);
  });
});
