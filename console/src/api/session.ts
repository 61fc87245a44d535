// The signed-in accounts: kept in memory and in sessionStorage (this tab only), each
// renewed with its own refresh token. A password sign-in holds one account; a sign-in by
// email code holds every account of that email that allows codes (a single sign-on, the
// one account its org's identity provider vouched for), and the console acts as one of
// them at a time (the active account) until the person switches.
import type { Role } from './types';

export type SignInMethod = 'password' | 'email_otp' | 'sso';

export interface Session {
  accessToken: string;
  refreshToken?: string;
  orgId: string;
  memberId: string;
  email: string;
  passwordChangeRequired: boolean;
  /** The org's name and the member's role there, once known (a code sign-in answers them). */
  orgName?: string;
  role?: Role;
  /** How the session began: the org may take that method away (the next refresh is refused). */
  method?: SignInMethod;
}

/** What a login or refresh answers (refresh_token only once the API issues them). */
export interface TokenAnswer {
  access_token: string;
  refresh_token?: string;
  password_change_required?: boolean;
  org_id?: string;
  member_id?: string;
}

/** One account of a code sign-in's answer (`POST /v1/auth/otp/verify`), or a single sign-on's (`POST /v1/auth/sso/session`). */
export interface AccountAnswer extends TokenAnswer {
  org_id: string;
  member_id: string;
  org_name: string;
  role: Role;
  email: string;
}

/** Why the accounts changed, for the listeners (and the sign-in page's words). */
export type ChangeReason = 'signed_out' | 'signed_out_one' | 'expired' | 'method_removed' | 'switched' | 'signed_in';

/** An account that ended while others stayed: the accounts page says so. */
export interface EndedAccount {
  orgName?: string;
  email: string;
  reason: ChangeReason;
}

interface Stored {
  active: string | null;
  accounts: Session[];
}

const KEY = 'roster.accounts';
/** Where one session was kept before the account switcher: read once, then replaced. */
const LEGACY_KEY = 'roster.session';
type Listener = (session: Session | null, reason?: ChangeReason) => void;

const listeners = new Set<Listener>();
let state: Stored = read();
let ended: EndedAccount | null = null;

/** The key of an account: its org and member. */
export function accountKey(account: Pick<Session, 'orgId' | 'memberId'>): string {
  return `${account.orgId}/${account.memberId}`;
}

function isSession(value: unknown): value is Session {
  const s = value as Partial<Session> | null;
  return (
    typeof s === 'object' &&
    s !== null &&
    typeof s.accessToken === 'string' &&
    typeof s.orgId === 'string' &&
    typeof s.memberId === 'string' &&
    typeof s.email === 'string'
  );
}

function read(): Stored {
  try {
    const text = sessionStorage.getItem(KEY);
    if (text) {
      const parsed = JSON.parse(text) as Partial<Stored>;
      const accounts = Array.isArray(parsed.accounts) ? parsed.accounts.filter(isSession) : [];
      const active = accounts.some((a) => accountKey(a) === parsed.active) ? parsed.active! : null;
      return { active: active ?? (accounts[0] ? accountKey(accounts[0]) : null), accounts };
    }
    const legacy: unknown = JSON.parse(sessionStorage.getItem(LEGACY_KEY) ?? 'null');
    if (isSession(legacy)) return { active: accountKey(legacy), accounts: [legacy] };
  } catch {
    // Unreadable or unavailable storage: nobody is signed in.
  }
  return { active: null, accounts: [] };
}

function write() {
  try {
    sessionStorage.removeItem(LEGACY_KEY);
    if (state.accounts.length > 0) sessionStorage.setItem(KEY, JSON.stringify(state));
    else sessionStorage.removeItem(KEY);
  } catch {
    // Storage may be unavailable (private mode); the accounts still live in memory.
  }
}

function commit(next: Stored, reason?: ChangeReason) {
  state = next;
  write();
  const active = getSession();
  for (const listener of listeners) listener(active, reason);
}

/** `session` in place of the held account with the same key (keeping what it leaves out), or added at the end. */
function upsert(accounts: Session[], session: Session): Session[] {
  const key = accountKey(session);
  const index = accounts.findIndex((a) => accountKey(a) === key);
  if (index < 0) return [...accounts, session];
  const previous = accounts[index];
  const merged: Session = {
    ...session,
    orgName: session.orgName ?? previous.orgName,
    role: session.role ?? previous.role,
    method: session.method ?? previous.method,
  };
  return accounts.map((a, i) => (i === index ? merged : a));
}

/** The account the console acts as, or null when signed out. */
export function getSession(): Session | null {
  return state.accounts.find((a) => accountKey(a) === state.active) ?? null;
}

/** Every account held, in the order they were signed in to. */
export function getAccounts(): Session[] {
  return [...state.accounts];
}

/** The held account with `key`, as it is now (its tokens may have been renewed). */
export function findAccount(key: string): Session | null {
  return state.accounts.find((a) => accountKey(a) === key) ?? null;
}

/**
 * With a session: holds it (replacing the account's older session) and acts as it.
 * With null: drops every account (signing out of all, or every session ended).
 */
export function setSession(session: Session | null, reason?: ChangeReason) {
  ended = null;
  if (!session) commit({ active: null, accounts: [] }, reason);
  else commit({ active: accountKey(session), accounts: upsert(state.accounts, session) }, reason ?? 'signed_in');
}

/** Holds several accounts at once (a code sign-in) and acts as `active` (by default the first of them). */
export function addAccounts(sessions: Session[], active?: string) {
  if (sessions.length === 0) return;
  ended = null;
  const accounts = sessions.reduce(upsert, state.accounts);
  commit({ active: active ?? accountKey(sessions[0]), accounts }, 'signed_in');
}

/**
 * Replaces a held account's session (new tokens, its org's name or role) without acting as
 * it. Does nothing when the account is no longer held (signed out of meanwhile).
 */
export function updateAccount(session: Session) {
  if (!findAccount(accountKey(session))) return;
  commit({ ...state, accounts: upsert(state.accounts, session) });
}

/** Acts as another held account, without signing in again. */
export function switchAccount(key: string) {
  if (key === state.active || !findAccount(key)) return;
  ended = null;
  commit({ ...state, active: key }, 'switched');
}

/**
 * Drops one account (signed out of it, or its session ended). When it was the active one,
 * the console acts as the first account still held, if any, and remembers which one ended.
 */
export function dropAccount(key: string, reason: ChangeReason) {
  const account = findAccount(key);
  if (!account) return;
  const accounts = state.accounts.filter((a) => accountKey(a) !== key);
  const active = state.active === key ? (accounts[0] ? accountKey(accounts[0]) : null) : state.active;
  ended = accounts.length > 0 ? { orgName: account.orgName, email: account.email, reason } : null;
  commit({ active, accounts }, reason);
}

/** The account that ended last while others stayed held (for the accounts page), cleared by any sign-in or switch. */
export function lastEnded(): EndedAccount | null {
  return ended;
}

/**
 * Keeps the active session's email in step with the member's once it has changed: the
 * console signs in again with it after a password change.
 */
export function setSessionEmail(email: string) {
  const current = getSession();
  if (current && current.email !== email) updateAccount({ ...current, email });
}

export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The session a token answer opens for `email`, keeping what the answer leaves out. */
export function sessionFrom(answer: TokenAnswer, email: string, previous?: Session | null): Session {
  return {
    accessToken: answer.access_token,
    refreshToken: answer.refresh_token ?? undefined,
    orgId: answer.org_id ?? previous?.orgId ?? '',
    memberId: answer.member_id ?? previous?.memberId ?? '',
    email,
    passwordChangeRequired: answer.password_change_required ?? previous?.passwordChangeRequired ?? false,
    ...(previous?.orgName ? { orgName: previous.orgName } : {}),
    ...(previous?.role ? { role: previous.role } : {}),
    ...(previous?.method ? { method: previous.method } : {}),
  };
}

/** The sessions of a code sign-in's answer (or a single sign-on's: the same shape), oldest account first. */
export function sessionsFromCode(accounts: AccountAnswer[], method: SignInMethod = 'email_otp'): Session[] {
  return accounts.map((account) => ({
    ...sessionFrom(account, account.email),
    orgName: account.org_name,
    role: account.role,
    method,
  }));
}
