import { describe, expect, it } from 'vitest';
import { describeField } from '../errors/messages';
import { loginMethodsSentence, noMethodProblem, sameMethods, ssoUnavailable, toggledMethods } from './loginMethods';

describe('sign-in methods', () => {
  it('are said in the console order', () => {
    expect(loginMethodsSentence(['email_otp', 'password'])).toBe('Password and One-time code by email');
    expect(loginMethodsSentence(['email_otp'])).toBe('One-time code by email');
    expect(loginMethodsSentence([])).toBe('none');
  });

  it('toggle in the console order, each once', () => {
    expect(toggledMethods(['email_otp'], 'password', true)).toEqual(['password', 'email_otp']);
    expect(toggledMethods(['password', 'email_otp'], 'password', false)).toEqual(['email_otp']);
    expect(toggledMethods(['password'], 'password', true)).toEqual(['password']);
  });

  it('compare as sets', () => {
    expect(sameMethods(['password', 'email_otp'], ['email_otp', 'password'])).toBe(true);
    expect(sameMethods(['password'], ['password', 'email_otp'])).toBe(false);
  });

  it('refuse an empty set in the API’s words, beside the methods', () => {
    const { problem } = noMethodProblem();
    expect(problem.errors).toHaveLength(1);
    expect(describeField(problem.errors![0])).toBe('Allow at least one way to sign in.');
  });
});

describe('single sign-on as a sign-in method', () => {
  it('can be chosen once the org’s connection was signed in through', () => {
    expect(ssoUnavailable({ tested_at: '2026-12-01T10:00:00Z' }, 'settings')).toBeNull();
    expect(ssoUnavailable({ tested_at: '2026-12-01T10:00:00Z' }, 'member')).toBeNull();
  });

  it('says why not before: no connection, or not tested yet', () => {
    expect(ssoUnavailable(null, 'settings')).toBe('Set up single sign-on below, and test it, to allow it.');
    expect(ssoUnavailable({ tested_at: null }, 'settings')).toMatch(/^Use “Test sign-in” below first/);
    expect(ssoUnavailable(null, 'member')).toMatch(/has no single sign-on yet/);
    expect(ssoUnavailable({ tested_at: null }, 'member')).toMatch(/has not been tested yet/);
  });

  it('leaves the choice to the API while the connection is not known', () => {
    expect(ssoUnavailable(undefined, 'member')).toBeNull();
  });
});
