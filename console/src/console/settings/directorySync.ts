// The org's directory sync (SCIM 2.0, org admins only): its connection (a bearer token shown
// once, and the base URL the identity provider is given), and the directory's membership
// changes a freeze window holds until it ends, in words.
import { api } from '../../api/client';
import { ApiError, call } from '../../api/problem';
import type { HeldDirectoryChange, ScimConnection, ScimToken } from '../../api/types';
import { formatDateTime } from '../../lib/dates';
import { heldKindLabel } from '../../lib/labels';

const path = (orgId: string) => ({ params: { path: { org: orgId } } });

/** The org's directory connection (never its token), or null when it has none. */
export async function loadScimConnection(orgId: string): Promise<ScimConnection | null> {
  try {
    return await call(api.GET('/v1/orgs/{org}/scim/token', path(orgId)));
  } catch (error) {
    if (error instanceof ApiError && error.problem.status === 404) return null;
    throw error;
  }
}

/** A new token for the org's directory, answered this once; the one before stops working at once. */
export function issueScimToken(orgId: string): Promise<ScimToken> {
  return call(api.POST('/v1/orgs/{org}/scim/token', path(orgId)));
}

/** Ends the directory's token: its calls are refused from now on. */
export async function revokeScimToken(orgId: string): Promise<void> {
  await call(api.DELETE('/v1/orgs/{org}/scim/token', path(orgId)));
}

/** The directory's changes the org's freeze window holds, in the order they will apply. */
export async function loadHeldChanges(orgId: string): Promise<HeldDirectoryChange[]> {
  const page = await call(api.GET('/v1/orgs/{org}/scim/held', path(orgId)));
  return page.items;
}

/**
 * The SCIM base URL to show before the server has named one: the API's, at this very address
 * (the pages and the API share it). The server's own (`base_url`) wins once there is one.
 */
export function scimBaseUrl(connection: Pick<ScimConnection, 'base_url'> | null, origin: string): string {
  return connection?.base_url ?? `${origin}/scim/v2`;
}

/** What the settings say after a token was created: whether it replaced one, and what to do with it. */
export function issuedNotice(replaced: boolean): string {
  return replaced
    ? 'A new token was created and the old one no longer works: give your identity provider the new one now.'
    : 'The directory token was created: give your identity provider the base URL and the token now.';
}

/** One held change, in words: what it will do, to whom, when it came and when it applies. */
export interface HeldChangeWords {
  kind: string;
  email: string;
  received: string;
  applies: string;
}

export function heldChangeWords(change: HeldDirectoryChange): HeldChangeWords {
  return {
    kind: heldKindLabel(change.kind),
    email: change.email,
    received: `Received ${formatDateTime(change.received_at)}`,
    applies: change.applies_at ? `applies when the freeze ends (${formatDateTime(change.applies_at)})` : 'applies when the freeze ends',
  };
}

/** Whether the held change's member exists yet (a held creation names the id it will have). */
export function heldMemberExists(change: Pick<HeldDirectoryChange, 'kind'>): boolean {
  return change.kind !== 'create';
}
