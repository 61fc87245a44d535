import { describe, expect, it } from 'vitest';
import { describeField } from '../errors/messages';
import { loginMethodsSentence, noMethodProblem, sameMethods, toggledMethods } from './loginMethods';

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
