// Changing one's own email (`PATCH /v1/me {"email"}`, SPEC rule 12). Today the API changes
// it at once; once it sends a confirmation link first, it will answer the member with the
// email unchanged. The console says whichever happened, from the answer.
import type { Member } from '../../api/types';

/** How the API compares emails: trimmed, case-insensitive. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Whether `typed` is something to send: not blank, not the current email. */
export function isNewEmail(current: string, typed: string): boolean {
  const next = normalizeEmail(typed);
  return next !== '' && next !== normalizeEmail(current);
}

export type EmailChangeOutcome =
  /** The new email is the sign-in email now. */
  | { kind: 'changed'; email: string }
  /** Nothing changed yet: a link was sent to `requested`; `current` still signs in. */
  | { kind: 'confirmation_sent'; requested: string; current: string };

/** What the API's answer to the change says happened. */
export function emailChangeOutcome(requested: string, previous: string, answered: Pick<Member, 'email'> | undefined): EmailChangeOutcome {
  if (answered?.email && normalizeEmail(answered.email) === normalizeEmail(requested)) return { kind: 'changed', email: answered.email };
  return { kind: 'confirmation_sent', requested: normalizeEmail(requested), current: answered?.email ?? previous };
}

export function describeEmailChange(outcome: EmailChangeOutcome): string {
  if (outcome.kind === 'changed') return `Your email is now ${outcome.email}. Sign in with it from now on.`;
  return `We sent a confirmation link to ${outcome.requested}. Your email changes once you open it; until then, sign in with ${outcome.current}.`;
}
