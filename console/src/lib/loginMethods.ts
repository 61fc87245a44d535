// The ways to sign in (SPEC §6), in words, and which this server offers.
import { ApiError } from '../api/problem';
import type { LoginMethod } from '../api/types';

export const LOGIN_METHOD_LABELS: Record<LoginMethod, string> = {
  password: 'Password',
  email_otp: 'One-time code by email',
  sso: 'Single sign-on (SSO)',
};

/** The methods an org or member may choose now; SSO is not built yet (the API answers `not_supported`). */
export const AVAILABLE_LOGIN_METHODS: readonly LoginMethod[] = ['password', 'email_otp'];

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
