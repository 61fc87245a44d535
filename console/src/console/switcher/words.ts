// The switcher's sentences: an account named by its org, and why an account was let go.
import type { EndedAccount, Session } from '../../api/session';

/** An account's org, by name when known. */
export function orgLabel(account: Pick<Session, 'orgName'>): string {
  return account.orgName ?? 'an organization';
}

/** What happened to the account that was dropped while others stayed held. */
export function endedSentence(ended: EndedAccount): string {
  const org = orgLabel(ended);
  switch (ended.reason) {
    case 'signed_out_one':
      return `You signed out of your account in ${org}.`;
    case 'method_removed':
      return `${capitalized(org)} no longer allows the way you signed in to your account there, so that session ended. Sign in to it again another way.`;
    default:
      return `Your session in ${org} has ended. Sign in again to use that account.`;
  }
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
