// The email domains of the org's single sign-on connection, each proved the org's own by a DNS
// TXT record before sign-ins by email (and accounts made just in time) reach the org: their
// state in words, the call that checks the record, and what its refusals mean to an admin.
import { api } from '../../api/client';
import { call, type Problem } from '../../api/problem';
import type { SsoConnection, SsoDomain } from '../../api/types';
import { describeProblem } from '../../errors/messages';
import { formatDate } from '../../lib/dates';

/** What the settings say of one domain: verified (since when), or waiting for its TXT record. */
export type DomainState = { kind: 'verified'; label: string; since: string } | { kind: 'waiting'; label: string };

export function domainState(domain: SsoDomain): DomainState {
  if (domain.verified_at) return { kind: 'verified', label: 'Verified', since: `on ${formatDate(domain.verified_at)}` };
  return { kind: 'waiting', label: 'Waiting for DNS' };
}

/** What the settings say after the connection was saved: what is left to do before people sign in with it. */
export function savedNotice(saved: SsoConnection): string {
  const todo = ['Single sign-on saved.'];
  if (!saved.tested_at) todo.push('Use “Test sign-in” to check it before people use it.');
  const waiting = saved.domains.filter((d) => !d.verified_at).length;
  if (waiting === 1) todo.push('Sign-ins by email start once its email domain is verified: add the DNS record shown under Domain ownership, then Verify.');
  if (waiting > 1) todo.push('Sign-ins by email start once each email domain is verified: add the DNS records shown under Domain ownership, then Verify each.');
  return todo.join(' ');
}

/** Asks the API to look the domain's TXT record up; answers the connection as it is now. */
export function verifySsoDomain(orgId: string, domain: string): Promise<SsoConnection> {
  return call(api.POST('/v1/orgs/{org}/sso/domains/{domain}/verify', { params: { path: { org: orgId, domain } } }));
}

/** A refused verification of `domain`, in words that say what to do next. */
export function verifyProblem(problem: Problem, domain: string): string {
  switch (problem.code) {
    case 'sso_domain_unverified':
      return `The TXT record for ${domain} was not found yet. Check that its name and value are exactly as shown (some DNS providers add the domain to the name themselves), wait a few minutes for it to spread, then Verify again.`;
    case 'sso_domain_claimed':
      return `Another organization has already verified ${domain}, so its people sign in there. Remove the domain from this connection, or ask the operator.`;
    case 'not_found':
      return `${domain} is no longer one of this connection’s email domains (it was changed meanwhile). Reload the page.`;
    case 'unavailable':
      return 'The DNS lookup got no answer just now. Try Verify again in a minute.';
    default:
      return describeProblem(problem);
  }
}
