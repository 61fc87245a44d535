// Talking to the Roster server the tests run against: the operator token and the email
// outbox from its data dir, the test DNS server's zone, and a few API calls to set the scene.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dataDir = () => {
  const dir = process.env.ROSTER_DATA_DIR;
  if (!dir) throw new Error('ROSTER_DATA_DIR must name the data dir of the Roster server under test');
  return dir;
};
const apiUrl = () => process.env.API_URL ?? process.env.BASE_URL ?? 'http://127.0.0.1:4173';

export const PASSWORD = 'correct horse battery staple';

let counter = 0;
/** An email address no other test uses. */
export function uniqueEmail(who: string): string {
  counter += 1;
  return `${who}.${Date.now().toString(36)}${counter}@example.test`;
}

export async function api<T = unknown>(method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<T> {
  const response = await fetch(`${apiUrl()}${path}`, {
    method,
    headers: {
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Starts an import of a CSV file (the template's columns) and waits for it to complete. */
export async function importCsv(orgId: string, token: string, csv: string, timeoutMs = 60_000): Promise<void> {
  const response = await fetch(`${apiUrl()}/v1/orgs/${orgId}/imports`, {
    method: 'POST',
    headers: { 'content-type': 'text/csv', authorization: `Bearer ${token}` },
    body: csv,
  });
  if (!response.ok) throw new Error(`POST /v1/orgs/${orgId}/imports answered ${response.status}: ${await response.text()}`);
  const { id } = (await response.json()) as { id: string };
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    const job = await api<{ status: string }>('GET', `/v1/orgs/${orgId}/imports/${id}`, { token });
    if (job.status === 'completed') return;
    if (job.status === 'failed') throw new Error(`import ${id} failed`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`import ${id} did not complete in ${timeoutMs} ms`);
}

function operatorToken(): string {
  return readFileSync(join(dataDir(), 'operator-token'), 'utf8').trim();
}

/** An email's text with quoted-printable soft breaks and escapes undone. */
function decoded(raw: string): string {
  return raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** Every email written to `to`, oldest first. */
export function emailsTo(to: string): string[] {
  const outbox = join(dataDir(), 'outbox');
  return readdirSync(outbox)
    .filter((name) => name.endsWith('.eml'))
    .map((name) => ({ path: join(outbox, name), mtime: statSync(join(outbox, name)).mtimeMs, name }))
    .sort((a, b) => a.mtime - b.mtime || a.name.localeCompare(b.name))
    .map((f) => decoded(readFileSync(f.path, 'utf8')))
    .filter((text) => new RegExp(`^To:.*${to.replace(/[.+]/g, '\\$&')}`, 'mi').test(text));
}

/** Waits for the newest email to `to` holding a link to `kind`, and answers the link's path and token. */
export async function latestLink(to: string, kind: 'invite' | 'join' | 'confirm-email' = 'invite', after = 0): Promise<{ path: string; token: string }> {
  const pattern = new RegExp(`/${kind}/([A-Za-z0-9_-]+)`, 'g');
  for (let attempt = 0; attempt < 50; attempt++) {
    const emails = emailsTo(to).slice(after);
    const links = emails.flatMap((text) => [...text.matchAll(pattern)].map((m) => m[1]));
    const token = links.at(-1);
    if (token) return { path: `/${kind}/${token}`, token };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no ${kind} link was emailed to ${to}`);
}

export interface Org {
  id: string;
  name: string;
}

/** The operator creates an org; its first admin is invited by email. */
export async function createOrg(name: string, admin: { email: string; first_name: string; last_name: string }, plan = 'free'): Promise<Org> {
  const created = await api<{ org: Org }>('POST', '/v1/orgs', { token: operatorToken(), body: { name, plan, admin } });
  return created.org;
}

export async function acceptInvitation(token: string, person: { first_name: string; last_name: string }) {
  return api('POST', `/v1/invitations/${token}/accept`, {
    body: { ...person, phone: '+1 555 010 0100', password: PASSWORD, eula_accepted: true },
  });
}

export async function login(email: string, password = PASSWORD, orgId?: string): Promise<string> {
  const answer = await api<{ access_token: string }>('POST', '/v1/auth/login', { body: { email, password, ...(orgId ? { org_id: orgId } : {}) } });
  return answer.access_token;
}

/** An org whose admin has accepted its invitation and can sign in with PASSWORD. */
export async function orgWithAdmin(name: string, plan = 'paid', adminEmail = uniqueEmail('admin')): Promise<{ org: Org; adminEmail: string; token: string }> {
  const org = await createOrg(name, { email: adminEmail, first_name: 'Ada', last_name: 'Admin' }, plan);
  const { token: invite } = await latestLink(adminEmail);
  await acceptInvitation(invite, { first_name: 'Ada', last_name: 'Admin' });
  return { org, adminEmail, token: await login(adminEmail) };
}

/** Someone invited by the admin and already licensed. */
export async function licensedMember(
  orgId: string,
  adminToken: string,
  who: { first_name: string; last_name: string; role?: string; department_id?: string },
): Promise<{ id: string; email: string }> {
  const email = uniqueEmail(who.first_name.toLowerCase());
  const member = await api<{ id: string }>('POST', `/v1/orgs/${orgId}/invitations`, {
    token: adminToken,
    body: { email, role: who.role ?? 'member', department_id: who.department_id ?? null },
  });
  const { token } = await latestLink(email);
  await acceptInvitation(token, { first_name: who.first_name, last_name: who.last_name });
  return { id: member.id, email };
}

/** The service's clock (the test clock may be ahead of this machine's): the issue time of a fresh access token. */
export function serviceNow(accessToken: string): number {
  const payload = JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString('utf8')) as { iat: number };
  return payload.iat * 1000;
}

/** Moves the server's test clock forward and runs the due sweeps. */
export async function advanceClock(seconds: number) {
  await api('POST', '/v1/_test/clock', { body: { advance_seconds: seconds } });
}

/** Waits for the newest sign-in code emailed to `to` after its first `after` emails. */
export async function latestSignInCode(to: string, after = 0): Promise<string> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const codes = emailsTo(to)
      .slice(after)
      .flatMap((text) => [...text.matchAll(/Sign-in code: (\d{6})/g)].map((m) => m[1]));
    const code = codes.at(-1);
    if (code) return code;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no sign-in code was emailed to ${to}`);
}

/** The org admin sets the org's sign-in methods (by default: password and codes by email). */
export async function setLoginMethods(orgId: string, adminToken: string, methods: string[] = ['password', 'email_otp']) {
  await api('PATCH', `/v1/orgs/${orgId}`, { token: adminToken, body: { login_methods: methods } });
}

export interface CodeAccount {
  org_id: string;
  org_name: string;
  member_id: string;
  role: string;
  access_token: string;
}

/** Signs in by code through the API (the code read from the outbox): every account of the email that allows codes. */
export async function signInByCode(email: string): Promise<CodeAccount[]> {
  const before = emailsTo(email).length;
  await api('POST', '/v1/auth/otp', { body: { email } });
  const code = await latestSignInCode(email, before);
  const answer = await api<{ accounts: CodeAccount[] }>('POST', '/v1/auth/otp/verify', { body: { email, code } });
  return answer.accounts;
}

/** The test OpenID provider's issuer (scripts/oidc.sh; scripts/console-test.sh starts it). */
export function oidcIssuer(): string {
  const issuer = process.env.ROSTER_OIDC_ISSUER;
  if (!issuer) throw new Error('ROSTER_OIDC_ISSUER must name the test OpenID provider: eval "$(bash scripts/oidc.sh)"');
  return issuer;
}

/** An email domain no org's single sign-on claims yet (each belongs to one org). */
export function uniqueDomain(): string {
  counter += 1;
  return `sso-${Date.now().toString(36)}${counter}.test`;
}

export interface SsoDomain {
  domain: string;
  verified_at: string | null;
  dns_record_name: string;
  dns_record_value: string;
}

export interface SsoConnection {
  email_domains: string[];
  domains: SsoDomain[];
  tested_at: string | null;
}

/** The org admin points the org's single sign-on at the test provider, for `domain` (not verified yet). */
export async function setSso(orgId: string, adminToken: string, domain: string, jit: 'off' | 'licensed' | 'approval' = 'off'): Promise<SsoConnection> {
  return api<SsoConnection>('PUT', `/v1/orgs/${orgId}/sso`, {
    token: adminToken,
    body: { issuer: oidcIssuer(), client_id: 'roster-console-tests', client_secret: 'not-checked', email_domains: [domain], jit },
  });
}

/** The zone directory of the test DNS server (scripts/oidc.sh starts it beside the provider). */
function dnsZone(): string {
  const zone = process.env.ROSTER_TEST_DNS_ZONE;
  if (!zone) throw new Error('ROSTER_TEST_DNS_ZONE must name the test DNS server\'s zone directory: eval "$(bash scripts/oidc.sh)"');
  return zone;
}

/**
 * Publishes a TXT record in the test DNS server that the Roster server under test asks
 * (`ROSTER_DNS_SERVER`): a file named by the record's name, holding its values one a line.
 */
export function publishTxt(name: string, ...values: string[]) {
  writeFileSync(join(dnsZone(), name.toLowerCase().replace(/\.$/, '')), `${values.join('\n')}\n`);
}

/** The org admin asks the server to look the domain's TXT record up; answers the connection. */
export async function verifySsoDomain(orgId: string, adminToken: string, domain: string): Promise<SsoConnection> {
  return api<SsoConnection>('POST', `/v1/orgs/${orgId}/sso/domains/${encodeURIComponent(domain)}/verify`, { token: adminToken });
}

/**
 * Proves the org owns `domain`, as its admin would: publishes the TXT record the org's
 * connection names for it, then verifies it. Sign-ins by email (and accounts made just in
 * time) reach the org only for its verified domains.
 */
export async function proveDomain(orgId: string, adminToken: string, domain: string) {
  const connection = await api<SsoConnection>('GET', `/v1/orgs/${orgId}/sso`, { token: adminToken });
  const wanted = connection.domains.find((d) => d.domain === domain);
  if (!wanted) throw new Error(`the single sign-on of ${orgId} does not list ${domain}`);
  publishTxt(wanted.dns_record_name, wanted.dns_record_value);
  const verified = await verifySsoDomain(orgId, adminToken, domain);
  if (!verified.domains.find((d) => d.domain === domain)?.verified_at) throw new Error(`${domain} was not verified`);
}

/** Where a response sends the client next (a redirect it was not to follow). */
function location(response: Response): string {
  const to = response.headers.get('location');
  if (!to) throw new Error(`${response.url} answered ${response.status} without a Location`);
  return new URL(to, response.url).href;
}

/**
 * Signs `email` in once through the org's single sign-on with plain HTTP (the test provider
 * shows no page: it signs in whoever `login_hint` names), which marks the connection tested.
 * The start's cookie is carried to the callback, as a browser would: only the browser that
 * started a sign-in may finish it. Answers the fragment the callback sent the browser back
 * to the console with.
 */
export async function signInThroughSso(orgId: string, email: string): Promise<string> {
  const start = await fetch(`${apiUrl()}/v1/auth/sso/start?org=${orgId}`, { redirect: 'manual' });
  // The start's cookie binds the sign-in to this "browser": the callback must carry it back.
  const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0];
  const authorize = new URL(location(start));
  authorize.searchParams.set('login_hint', email);
  const callback = location(await fetch(authorize, { redirect: 'manual' }));
  const back = new URL(location(await fetch(callback, { redirect: 'manual', headers: { cookie } })));
  if (back.pathname !== '/sso') throw new Error(`the callback sent the browser to ${back.href}`);
  ssoCookies.set(back.hash, cookie);
  return back.hash;
}

/** The cookie of each sign-in `signInThroughSso` finished, by the fragment it answered. */
const ssoCookies = new Map<string, string>();

/** Collects the session of a `signInThroughSso` fragment (`#handoff=…`) as its "browser". */
export async function collectSsoSession(fragment: string): Promise<Response> {
  return fetch(`${apiUrl()}/v1/auth/sso/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: ssoCookies.get(fragment) ?? '' },
    body: JSON.stringify({ handoff: fragment.slice('#handoff='.length) }),
  });
}

/**
 * Calls the org's directory-sync (SCIM) API as its identity provider would: `<base_url><path>`
 * with the directory's bearer token and SCIM's media type. Answers the response.
 */
export async function scimCall(baseUrl: string, token: string, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/scim+json',
      ...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
}

/** `scimCall`, answering the resource; throws when the call is refused. */
export async function scim<T = unknown>(baseUrl: string, token: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await scimCall(baseUrl, token, method, path, body);
  const text = await response.text();
  if (!response.ok) throw new Error(`SCIM ${method} ${path} answered ${response.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** The org admin sets a freeze window that is on now by the service's clock (from an hour ago to two days on). */
export async function freezeNow(orgId: string, adminToken: string, reason = 'Directory migration') {
  const now = serviceNow(adminToken);
  const at = (t: number) => new Date(t).toISOString().replace(/\.\d+Z$/, 'Z');
  await api('PUT', `/v1/orgs/${orgId}/freeze`, {
    token: adminToken,
    body: { starts_at: at(now - 3_600_000), ends_at: at(now + 48 * 3_600_000), reason },
  });
}
