// Changing one's own email (`PATCH /v1/me {"email"}`, SPEC rule 12). The API only records
// the new address (`pending_email`) and mails it a confirmation link; the email changes
// when that link is opened (`/confirm-email/{token}`). Asking for the current email again
// cancels the change. The answer is the same whether or not the new address is taken.
import type { Member } from '../../api/types';
import { formatDateTime } from '../../lib/dates';

export type PendingEmail = NonNullable<Member['pending_email']>;

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
  /** Nothing changed yet: a link was sent to `requested`; `current` still signs in. */
  | { kind: 'confirmation_sent'; requested: string; current: string }
  /** The change waiting for `requested` is off; `current` stays. */
  | { kind: 'cancelled'; requested: string; current: string };

/** What the API's answer to asking for `requested` says happened. */
export function emailChangeOutcome(requested: string, previous: string, answered: Pick<Member, 'email' | 'pending_email'> | undefined): EmailChangeOutcome {
  return {
    kind: 'confirmation_sent',
    requested: answered?.pending_email?.email ?? normalizeEmail(requested),
    current: answered?.email ?? previous,
  };
}

export function describeEmailChange(outcome: EmailChangeOutcome): string {
  if (outcome.kind === 'cancelled') return `The change to ${outcome.requested} is cancelled. Your email stays ${outcome.current}.`;
  return `We sent a confirmation link to ${outcome.requested}. Your email stays ${outcome.current} until you open it.`;
}

/** The change waiting for confirmation, in words. */
export function describePending(pending: PendingEmail): string {
  return `Waiting for ${pending.email} to confirm: the link we sent there works until ${formatDateTime(pending.expires_at)}.`;
}
