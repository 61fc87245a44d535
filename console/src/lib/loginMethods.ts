// The ways to sign in (SPEC §6), in words, and when single sign-on can be one of them.
import { ApiError } from '../api/problem';
import type { LoginMethod, SsoConnection } from '../api/types';

export const LOGIN_METHOD_LABELS: Record<LoginMethod, string> = {
  password: 'Password',
  email_otp: 'One-time code by email',
  sso: 'Single sign-on (SSO)',
};

/** Every method, in the order the console lists them. */
export const ALL_LOGIN_METHODS: readonly LoginMethod[] = ['password', 'email_otp', 'sso'];

/** A set of methods in words, in the console's order: "Password and One-time code by email". */
export function loginMethodsSentence(methods: readonly LoginMethod[]): string {
  const words = ALL_LOGIN_METHODS.filter((m) => methods.includes(m)).map((m) => LOGIN_METHOD_LABELS[m]);
  if (words.length === 0) return 'none';
  return words.length === 1 ? words[0] : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

export function sameMethods(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

/** `methods` with `method` added (in the console's order) or taken out. */
export function toggledMethods(methods: readonly LoginMethod[], method: LoginMethod, on: boolean): LoginMethod[] {
  const next = on ? [...methods, method] : methods.filter((m) => m !== method);
  return ALL_LOGIN_METHODS.filter((m) => next.includes(m));
}

/** A form's own refusal of an empty set, worded like the API's (shown beside the methods). */
export function noMethodProblem(): ApiError {
  return new ApiError({ status: 400, code: 'validation_failed', errors: [{ field: 'login_methods', code: 'required', message: 'at least one sign-in method' }] });
}

/**
 * Why single sign-on cannot be chosen yet (the API would answer `409 sso_not_ready`), or null
 * when it can: the org needs a connection that someone has signed in through once. On the
 * settings page the connection is right below; on a member's page it is in Settings.
 * `undefined` (not known: loading, or not readable) leaves the choice to the API.
 */
export function ssoUnavailable(connection: Pick<SsoConnection, 'tested_at'> | null | undefined, where: 'settings' | 'member'): string | null {
  if (connection === undefined) return null;
  if (connection === null) {
    return where === 'settings'
      ? 'Set up single sign-on below, and test it, to allow it.'
      : 'The organization has no single sign-on yet: an organization admin sets it up in Settings.';
  }
  if (!connection.tested_at) {
    return where === 'settings'
      ? 'Use “Test sign-in” below first: single sign-on can be allowed once someone has signed in through it.'
      : 'The organization’s single sign-on has not been tested yet: an organization admin tests it in Settings.';
  }
  return null;
}
