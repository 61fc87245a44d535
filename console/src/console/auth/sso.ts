// Single sign-on, the browser's side: where a sign-in starts, what the API's callback puts
// in the `/sso` page's URL fragment (never sent to a server, and taken out of the address
// bar at once), and what each outcome means to the person who comes back.
import type { Problem } from '../../api/problem';
import { describeProblem, PROBLEM_MESSAGES } from '../../errors/messages';

/** What the callback sent the browser back with. */
export type SsoOutcome =
  | { kind: 'handoff'; handoff: string }
  | { kind: 'pending_approval' }
  | { kind: 'error'; code: string }
  /** No fragment (the page reloaded, or opened by hand): nothing to finish. */
  | { kind: 'none' };

/** Where the browser goes to sign in: the org named, or the one whose connection claims the email's domain. */
export function ssoStartUrl(by: { email: string } | { org: string }): string {
  return `/v1/auth/sso/start?${new URLSearchParams(by)}`;
}

/** The outcome a `/sso` URL fragment (`#handoff=…`, `#pending_approval=1` or `#error=…`) carries. */
export function readSsoFragment(hash: string): SsoOutcome {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const handoff = params.get('handoff')?.trim();
  if (handoff && /^[A-Za-z0-9_-]{1,100}$/.test(handoff)) return { kind: 'handoff', handoff };
  if (params.get('pending_approval') === '1') return { kind: 'pending_approval' };
  const error = params.get('error')?.trim();
  if (error && /^[a-z0-9_]{1,64}$/.test(error)) return { kind: 'error', code: error };
  // Anything else (a cut or mangled fragment) is an answer we cannot use.
  return hash.replace(/^#/, '') ? { kind: 'error', code: 'sso_state_invalid' } : { kind: 'none' };
}

let taken: SsoOutcome | null = null;

/**
 * The outcome in this page's URL fragment, taken out of the address bar and the history at
 * once (the handoff code works once, but it is nobody's business). Answers the same outcome
 * again when asked again on the same page (the fragment is gone by then).
 */
export function takeSsoOutcome(): SsoOutcome {
  if (location.hash.length > 1) {
    taken = readSsoFragment(location.hash);
    history.replaceState(history.state, '', location.pathname + location.search);
  }
  return taken ?? { kind: 'none' };
}

const TEST_KEY = 'roster.sso_test';
/** How long a test sign-in may take at the identity provider before its answer is read as a sign-in. */
const TEST_WINDOW_MS = 15 * 60 * 1000;

/** Remembers (in this tab) that an org admin started a test sign-in of `orgId`'s connection. */
export function rememberSsoTest(orgId: string, now = Date.now()) {
  try {
    sessionStorage.setItem(TEST_KEY, JSON.stringify({ orgId, at: now }));
  } catch {
    // Without storage the answer reads as an ordinary sign-in's.
  }
}

/** The org of the test sign-in started in this tab in the last minutes, if any; forgotten once read. */
export function takeSsoTest(now = Date.now()): string | null {
  try {
    const text = sessionStorage.getItem(TEST_KEY);
    sessionStorage.removeItem(TEST_KEY);
    const test = JSON.parse(text ?? 'null') as { orgId?: unknown; at?: unknown } | null;
    if (typeof test?.orgId === 'string' && typeof test.at === 'number' && now - test.at >= 0 && now - test.at < TEST_WINDOW_MS) return test.orgId;
  } catch {
    // Unreadable: not a test.
  }
  return null;
}

/** What the `/sso` page says, and where it offers to go next. */
export interface SsoResult {
  kind: 'success' | 'error' | 'info' | 'warning';
  title: string;
  text: string;
  /** `settings`: back to the connection (after a test); `sign_in`: start again (or back to the console, when signed in). */
  next: 'settings' | 'sign_in';
}

export const SSO_WORKS = 'The connection works: you can now enable single sign-on in the sign-in methods.';
const SSO_METHOD_NOT_ALLOWED =
  'Your identity provider signed you in, but your organization does not allow single sign-on for this account. Sign in another way, or ask your admin.';
const SSO_CHECK_SETTINGS = 'Check the issuer, the client ID and secret, and the redirect URI registered with the identity provider, then test again.';

/** Callback errors that still show the connection works: the provider vouched for someone (the API marked the connection tested). */
const WORKED: ReadonlySet<string> = new Set(['login_method_not_allowed', 'sso_no_account', 'account_inactive']);

/** A callback error (`#error=`) or a refused session collection, in words; `testing` when it follows an admin's test sign-in. */
export function ssoResult(outcome: Exclude<SsoOutcome, { kind: 'handoff' }> | { kind: 'problem'; problem: Problem }, testing: boolean): SsoResult {
  if (outcome.kind === 'none') {
    return {
      kind: 'info',
      title: 'Nothing to finish here',
      text: 'This page finishes a sign-in through your identity provider. Start again from the sign-in page.',
      next: 'sign_in',
    };
  }
  if (outcome.kind === 'pending_approval') {
    return {
      kind: 'info',
      title: 'Waiting for approval',
      text: 'Your identity provider signed you in, and an account was made for you in the organization. It waits for an admin’s approval: you can sign in once they have approved it.',
      next: testing ? 'settings' : 'sign_in',
    };
  }
  if (outcome.kind === 'problem') {
    const { problem } = outcome;
    let text = describeProblem(problem);
    if (problem.code === 'invalid_code') text = 'This sign-in was already finished, or it took too long (it must finish within two minutes). Sign in again.';
    if (problem.code === 'login_method_not_allowed') text = SSO_METHOD_NOT_ALLOWED;
    return { kind: 'error', title: 'You are not signed in', text, next: testing ? 'settings' : 'sign_in' };
  }
  const { code } = outcome;
  if (testing && WORKED.has(code)) {
    const who =
      code === 'login_method_not_allowed'
        ? ''
        : ' (The person the identity provider signed in has no account here that may sign in, so no one was signed in.)';
    return { kind: 'success', title: 'Single sign-on works', text: `${SSO_WORKS}${who}`, next: 'settings' };
  }
  const text = code === 'login_method_not_allowed' ? SSO_METHOD_NOT_ALLOWED : callbackError(code);
  if (testing) return { kind: 'error', title: 'The test sign-in did not work', text: `${text} ${SSO_CHECK_SETTINGS}`, next: 'settings' };
  return { kind: 'error', title: 'Single sign-on did not work', text, next: 'sign_in' };
}

/** A callback's `#error=` code, worded for the person who tried to sign in. */
function callbackError(code: string): string {
  switch (code) {
    case 'seats_exhausted':
      return 'Your organization has no free seat for a new account. Ask your admin.';
    case 'not_found':
      return 'Your organization’s single sign-on was removed meanwhile. Sign in another way, or ask your admin.';
    case 'unavailable':
      return 'Your identity provider or Roster could not be reached just now. Try again in a minute.';
    default:
      return PROBLEM_MESSAGES[code] ?? `Single sign-on did not work (${code.replaceAll('_', ' ')}). Try again, or ask your admin.`;
  }
}

/** The email domains typed in a box: separated by commas, semicolons, spaces or new lines; each once, lower-case. */
export function parseDomains(text: string): string[] {
  const domains = text
    .split(/[\s,;]+/)
    .map((d) => d.trim().toLowerCase().replace(/^@/, ''))
    .filter(Boolean);
  return [...new Set(domains)];
}
