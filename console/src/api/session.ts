// The signed-in session: kept in memory and in sessionStorage (this tab only), and
// renewed with a refresh token when the API gives one.

export interface Session {
  accessToken: string;
  refreshToken?: string;
  orgId: string;
  memberId: string;
  email: string;
  passwordChangeRequired: boolean;
}

/** What a login or refresh answers (refresh_token only once the API issues them). */
export interface TokenAnswer {
  access_token: string;
  refresh_token?: string;
  password_change_required?: boolean;
  org_id?: string;
  member_id?: string;
}

const KEY = 'roster.session';
type Listener = (session: Session | null, reason?: string) => void;

const listeners = new Set<Listener>();
let current: Session | null = read();

function read(): Session | null {
  try {
    const text = sessionStorage.getItem(KEY);
    return text ? (JSON.parse(text) as Session) : null;
  } catch {
    return null;
  }
}

function write(session: Session | null) {
  try {
    if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
    else sessionStorage.removeItem(KEY);
  } catch {
    // Storage may be unavailable (private mode); the session still lives in memory.
  }
}

export function getSession(): Session | null {
  return current;
}

export function setSession(session: Session | null, reason?: string) {
  current = session;
  write(session);
  for (const listener of listeners) listener(session, reason);
}

/**
 * Keeps the session's email in step with the member's once it has changed: the console
 * signs in again with it after a password change.
 */
export function setSessionEmail(email: string) {
  if (current && current.email !== email) setSession({ ...current, email });
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
  };
}
