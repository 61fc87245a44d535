import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PROBLEM_MESSAGES } from '../../errors/messages';
import { parseDomains, readSsoFragment, rememberSsoTest, SSO_WORKS, ssoResult, ssoStartUrl, takeSsoTest } from './sso';

describe('ssoStartUrl', () => {
  it('names the org, or the email whose domain names it', () => {
    expect(ssoStartUrl({ email: 'pat+x@north.test' })).toBe('/v1/auth/sso/start?email=pat%2Bx%40north.test');
    expect(ssoStartUrl({ org: '01JORG' })).toBe('/v1/auth/sso/start?org=01JORG');
  });
});

describe('readSsoFragment', () => {
  it('reads each outcome the callback sends', () => {
    expect(readSsoFragment('#handoff=Abc_12-x')).toEqual({ kind: 'handoff', handoff: 'Abc_12-x' });
    expect(readSsoFragment('#pending_approval=1')).toEqual({ kind: 'pending_approval' });
    expect(readSsoFragment('#error=sso_refused')).toEqual({ kind: 'error', code: 'sso_refused' });
  });

  it('finds nothing without a fragment, and reads a mangled one as a sign-in to start again', () => {
    expect(readSsoFragment('')).toEqual({ kind: 'none' });
    expect(readSsoFragment('#')).toEqual({ kind: 'none' });
    expect(readSsoFragment('#handoff=<script>')).toEqual({ kind: 'error', code: 'sso_state_invalid' });
    expect(readSsoFragment('#error=Not%20A%20Code')).toEqual({ kind: 'error', code: 'sso_state_invalid' });
  });
});

describe('takeSsoOutcome', () => {
  beforeEach(() => vi.resetModules());
  afterEach(() => vi.unstubAllGlobals());

  it('takes the fragment out of the address bar at once, and answers the same outcome when asked again', async () => {
    const url = new URL('https://roster.test/sso?x=1#handoff=secret-code');
    const replaced: string[] = [];
    vi.stubGlobal('location', {
      get hash() {
        return url.hash;
      },
      get pathname() {
        return url.pathname;
      },
      get search() {
        return url.search;
      },
    });
    vi.stubGlobal('history', {
      state: null,
      replaceState: (_state: unknown, _title: string, to: string) => {
        replaced.push(to);
        url.href = new URL(to, url).href;
      },
    });
    const { takeSsoOutcome } = await import('./sso');
    expect(takeSsoOutcome()).toEqual({ kind: 'handoff', handoff: 'secret-code' });
    expect(replaced).toEqual(['/sso?x=1']);
    expect(url.href).toBe('https://roster.test/sso?x=1');
    expect(takeSsoOutcome()).toEqual({ kind: 'handoff', handoff: 'secret-code' });
    expect(replaced).toHaveLength(1);
  });
});

describe('the test sign-in this tab started', () => {
  let storage: Map<string, string>;
  beforeEach(() => {
    storage = new Map();
    vi.stubGlobal('sessionStorage', {
      getItem: (key: string) => storage.get(key) ?? null,
      setItem: (key: string, value: string) => void storage.set(key, value),
      removeItem: (key: string) => void storage.delete(key),
    });
  });
  afterEach(() => vi.unstubAllGlobals());

  it('is remembered for the answer that follows, once', () => {
    rememberSsoTest('org-1', 1_000);
    expect(takeSsoTest(61_000)).toBe('org-1');
    expect(takeSsoTest(61_000)).toBeNull();
  });

  it('is forgotten after a quarter of an hour', () => {
    rememberSsoTest('org-1', 0);
    expect(takeSsoTest(15 * 60 * 1000)).toBeNull();
    expect(storage.size).toBe(0);
  });

  it('is nothing when none was started or storage holds something else', () => {
    expect(takeSsoTest()).toBeNull();
    storage.set('roster.sso_test', 'not json');
    expect(takeSsoTest()).toBeNull();
  });
});

describe('ssoResult', () => {
  it('says what each callback error means to the person signing in', () => {
    for (const code of ['sso_state_invalid', 'sso_refused', 'sso_no_account', 'account_inactive']) {
      expect(ssoResult({ kind: 'error', code }, false)).toEqual({ kind: 'error', title: 'Single sign-on did not work', text: PROBLEM_MESSAGES[code], next: 'sign_in' });
    }
    expect(ssoResult({ kind: 'error', code: 'login_method_not_allowed' }, false).text).toMatch(/does not allow single sign-on for this account/);
    expect(ssoResult({ kind: 'error', code: 'seats_exhausted' }, false).text).toBe('Your organization has no free seat for a new account. Ask your admin.');
    expect(ssoResult({ kind: 'error', code: 'unavailable' }, false).text).toMatch(/could not be reached/);
    expect(ssoResult({ kind: 'error', code: 'not_found' }, false).text).toMatch(/single sign-on was removed/);
    expect(ssoResult({ kind: 'error', code: 'brand_new' }, false).text).toBe('Single sign-on did not work (brand new). Try again, or ask your admin.');
  });

  it('after a test sign-in, says the connection works when the provider vouched for someone', () => {
    expect(ssoResult({ kind: 'error', code: 'login_method_not_allowed' }, true)).toEqual({
      kind: 'success',
      title: 'Single sign-on works',
      text: SSO_WORKS,
      next: 'settings',
    });
    expect(SSO_WORKS).toBe('The connection works: you can now enable single sign-on in the sign-in methods.');
    const noAccount = ssoResult({ kind: 'error', code: 'sso_no_account' }, true);
    expect(noAccount.kind).toBe('success');
    expect(noAccount.text).toMatch(/^The connection works: .* no one was signed in\.\)$/);
  });

  it('after a test sign-in that failed, says what to check and goes back to the settings', () => {
    const refused = ssoResult({ kind: 'error', code: 'sso_refused' }, true);
    expect(refused).toMatchObject({ kind: 'error', title: 'The test sign-in did not work', next: 'settings' });
    expect(refused.text).toContain(PROBLEM_MESSAGES.sso_refused);
    expect(refused.text).toContain('redirect URI');
  });

  it('says an account made just in time waits for approval', () => {
    expect(ssoResult({ kind: 'pending_approval' }, false)).toMatchObject({ kind: 'info', title: 'Waiting for approval' });
    expect(ssoResult({ kind: 'pending_approval' }, false).text).toMatch(/waits for an admin’s approval/);
  });

  it('words a refused handoff', () => {
    expect(ssoResult({ kind: 'problem', problem: { status: 401, code: 'invalid_code' } }, false).text).toBe(
      'This sign-in was already finished, or it took too long (it must finish within two minutes). Sign in again.',
    );
    expect(ssoResult({ kind: 'problem', problem: { status: 409, code: 'login_method_not_allowed' } }, false).text).toMatch(/does not allow single sign-on/);
    expect(ssoResult({ kind: 'problem', problem: { status: 0, code: 'network_error' } }, false).text).toBe(PROBLEM_MESSAGES.network_error);
  });

  it('says there is nothing to finish without an outcome', () => {
    expect(ssoResult({ kind: 'none' }, false)).toMatchObject({ title: 'Nothing to finish here', next: 'sign_in' });
  });
});

describe('parseDomains', () => {
  it('splits on commas, spaces and new lines, lower-cases and keeps each once', () => {
    expect(parseDomains(' North.test, @south.test\nnorth.TEST;east.test  ')).toEqual(['north.test', 'south.test', 'east.test']);
    expect(parseDomains('  ')).toEqual([]);
  });
});
