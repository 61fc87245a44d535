import { expect, test, type Page } from '@playwright/test';
import { screen, signIn } from './support/pages';
import {
  api,
  collectSsoSession,
  licensedMember,
  oidcIssuer,
  orgWithAdmin,
  proveDomain,
  publishTxt,
  setLoginMethods,
  setSso,
  signInThroughSso,
  uniqueDomain,
  uniqueEmail,
} from './support/roster';

// Single sign-on against a real OpenID provider (tests/oidc, started by scripts/oidc.sh). It
// never shows a page: it signs in whoever the authorize request's `login_hint` names, which
// Roster fills in from `start?email=`; a test sign-in (`start?org=`) has none, so the tests
// add it on the way to the provider. Sign-ins by email reach an org only for an email domain
// it has verified: the tests publish its TXT record in the test DNS server beside the
// provider (ROSTER_TEST_DNS_ZONE), which the server asks (ROSTER_DNS_SERVER).

const SSO_WORKS = 'The connection works: you can now enable single sign-on in the sign-in methods.';
const SSO_REFUSED =
  'Your identity provider did not confirm who you are (it refused the sign-in, or its answer failed a check). Try again, or ask your admin to check the single sign-on settings.';
const SSO_IN_USE =
  'The organization signs in with single sign-on: take single sign-on out of the ways to sign in first (a connection no one has signed in through yet cannot replace the one in use).';
const HANDOFF_USED = 'This sign-in was already finished, or it took too long (it must finish within two minutes). Sign in again.';
const NO_ORG_FOR_DOMAIN =
  'No organization signs in this email’s domain with single sign-on, or its admin has not verified the domain yet. Sign in with your password or a code instead, or check the email.';

/**
 * Signs `email` in at the provider whenever the browser goes there (a test sign-in names no
 * one): where the start answers to go (the console fetches it once, asking for JSON) gets a
 * `login_hint`. The start's cookie passes through to the browser.
 */
async function providerSignsIn(page: Page, email: string) {
  await page.route(
    (url) => url.pathname === '/v1/auth/sso/start',
    async (route) => {
      const response = await route.fetch({ maxRedirects: 0 });
      if (response.status() !== 200) return route.fulfill({ response });
      const { redirect_to } = (await response.json()) as { redirect_to: string };
      const authorize = new URL(redirect_to);
      authorize.searchParams.set('login_hint', email);
      const { 'content-length': _, ...headers } = response.headers();
      return route.fulfill({ response, headers, json: { redirect_to: authorize.href } });
    },
  );
}

/** Counts the single sign-on starts the page asks for (each counts against a limit per hour). */
function countStarts(page: Page): () => number {
  let starts = 0;
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === '/v1/auth/sso/start') starts += 1;
  });
  return () => starts;
}

/** Signs in with single sign-on from the sign-in page, by work email. */
async function signInWithSso(page: Page, email: string) {
  await page.goto('/sign-in');
  await page.getByRole('button', { name: 'Sign in with single sign-on' }).click();
  await page.getByLabel('Work email').fill(email);
  await page.getByRole('button', { name: 'Continue' }).click();
}

const ssoSection = (page: Page) => page.locator('section.panel', { has: page.getByRole('heading', { name: 'Single sign-on', exact: true }) });

/** The accounts this tab holds, as the console keeps them. */
const heldAccounts = (page: Page) =>
  page.evaluate(() => (JSON.parse(sessionStorage.getItem('roster.accounts') ?? '{"accounts":[]}') as { accounts: { email: string; method?: string }[] }).accounts);

test('an org admin sets up single sign-on, tests it, allows it, and signs in with it by email', async ({ page, baseURL }) => {
  const domain = uniqueDomain();
  const { org, adminEmail, token } = await orgWithAdmin('Summit Clinic', 'paid', `ada.${Date.now().toString(36)}@${domain}`);
  const starts = countStarts(page);

  await signIn(page, adminEmail);
  await page.getByRole('link', { name: 'Settings' }).click();
  const sso = ssoSection(page);
  await expect(sso.getByText('No single sign-on is set up.')).toBeVisible();
  await expect(sso.getByLabel('Redirect URI')).toHaveValue(`${baseURL}/v1/auth/sso/callback`);
  await expect(page.getByLabel('Single sign-on (SSO)')).toBeDisabled();
  await expect(page.getByText('Set up single sign-on below, and test it, to allow it.')).toBeVisible();

  await sso.getByLabel('Issuer URL').fill('http://idp.example.com');
  await sso.getByLabel('Client ID').fill('roster-console');
  await sso.getByLabel('Client secret').fill('s3cret-value');
  await sso.getByLabel('Email domains').fill(`${domain.toUpperCase()}, not a domain`);
  await sso.getByRole('button', { name: 'Set up single sign-on' }).click();
  await expect(page.locator('#sso-issuer-error')).toHaveText('Enter the issuer URL, starting with https:// (http:// only on this machine).');
  await expect(page.locator('#sso-domains-error')).toHaveText('Enter email domains such as example.com, separated by commas or new lines.');

  await sso.getByLabel('Issuer URL').fill(oidcIssuer());
  await sso.getByLabel('Email domains').fill(domain.toUpperCase());
  await sso.getByRole('button', { name: 'Set up single sign-on' }).click();
  await expect(sso.getByRole('status').filter({ hasText: 'Single sign-on saved.' })).toHaveText(
    'Single sign-on saved. Use “Test sign-in” to check it before people use it. Sign-ins by email start once its email domain is verified: add the DNS record shown under Domain ownership, then Verify.',
  );
  await expect(sso.getByTestId('sso-domain').filter({ hasText: domain })).toContainText('Waiting for DNS');
  await expect(sso.getByTestId('sso-status')).toContainText('Not tested yet');
  await expect(sso.getByTestId('sso-status')).toContainText('A secret is set');
  await expect(sso.getByLabel('Redirect URI')).toHaveValue(`${baseURL}/v1/auth/sso/callback`);
  await expect(sso.getByLabel('Email domains')).toHaveValue(domain);
  await expect(sso.getByLabel('Client secret')).toHaveValue('');
  await expect(page.getByText('Use “Test sign-in” below first: single sign-on can be allowed once someone has signed in through it.')).toBeVisible();
  await expect(page.getByLabel('Single sign-on (SSO)')).toBeDisabled();
  // The secret is never answered: each save sends it again.
  await sso.getByRole('button', { name: 'Save single sign-on' }).click();
  await expect(page.locator('#sso-client-secret-error')).toHaveText('Enter the client secret: it is needed each time the connection is saved.');
  await screen(page, 'settings-sso');

  // The test sign-in: the provider signs the admin in, whom the org does not let sign in by
  // single sign-on yet; that shows the connection works.
  await providerSignsIn(page, adminEmail);
  await sso.getByRole('button', { name: 'Test sign-in' }).click();
  await expect(page.getByRole('heading', { name: 'Single sign-on works' })).toBeVisible();
  await expect(page.getByTestId('sso-result').getByRole('status')).toHaveText(SSO_WORKS);
  await expect(page).toHaveURL(`${baseURL}/sso`);
  // One start per sign-in: the console fetches it once and goes where it answers.
  expect(starts()).toBe(1);
  await page.unrouteAll();
  await screen(page, 'sso-test-works');
  await page.getByRole('link', { name: 'Back to Settings' }).click();
  await expect(sso.getByTestId('sso-status')).toContainText(/Tested on \w+day \d+ \w+ \d{4}, \d\d:\d\d UTC/);

  await page.getByLabel('Single sign-on (SSO)').check();
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('Settings saved.')).toBeVisible();
  await expect(page.getByLabel('Single sign-on (SSO)')).toBeChecked();

  // It cannot be removed while the org signs in with it.
  await sso.getByRole('button', { name: 'Remove single sign-on' }).click();
  const dialog = page.getByRole('dialog', { name: 'Remove single sign-on?' });
  await dialog.getByRole('button', { name: 'Remove single sign-on' }).click();
  await expect(dialog.getByRole('alert')).toHaveText(SSO_IN_USE);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('button', { name: 'Sign out' }).click();

  // The domain proved the org's own (its TXT record published, then verified), sign-ins by email reach the org.
  await proveDomain(org.id, token, domain);
  await page.getByRole('button', { name: 'Sign in with single sign-on' }).click();
  await page.getByLabel('Work email').fill(adminEmail);
  await screen(page, 'sign-in-sso');
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByRole('heading', { name: 'Members' })).toBeVisible();
  expect(starts()).toBe(2);
  await expect(page).toHaveURL(`${baseURL}/`);
  await expect(page.locator('.org-name')).toHaveText('Summit Clinic');
  expect(await heldAccounts(page)).toEqual([expect.objectContaining({ email: adminEmail, method: 'sso' })]);
  // The handoff code is in no address the history holds.
  await page.goBack();
  expect(page.url()).not.toContain('handoff');
});

test('someone new signs in by single sign-on and gets an account just in time, licensed or waiting for approval', async ({ page }) => {
  const domain = uniqueDomain();
  const { org, adminEmail, token } = await orgWithAdmin('Harbor Clinic');
  await setSso(org.id, token, domain, 'licensed');
  await proveDomain(org.id, token, domain);
  // Tested once (the admin, who may not sign in by single sign-on yet), then allowed.
  expect(await signInThroughSso(org.id, adminEmail)).toBe('#error=login_method_not_allowed');
  await setLoginMethods(org.id, token, ['password', 'sso']);

  const nora = `nora.${Date.now().toString(36)}@${domain}`;
  await signInWithSso(page, nora);
  await expect(page.getByRole('heading', { name: 'My profile' })).toBeVisible();
  await expect(page.locator('.org-name')).toHaveText('Harbor Clinic');
  expect(await heldAccounts(page)).toEqual([expect.objectContaining({ email: nora, method: 'sso' })]);
  const licensed = await api<{ items: { email: string; status: string }[] }>('GET', `/v1/orgs/${org.id}/members?tab=licensed&q=${encodeURIComponent(nora)}`, { token });
  expect(licensed.items).toEqual([expect.objectContaining({ email: nora, status: 'licensed' })]);
  await page.getByRole('button', { name: 'Sign out' }).click();

  // Waiting for approval instead.
  await api('PUT', `/v1/orgs/${org.id}/sso`, {
    token,
    body: { issuer: oidcIssuer(), client_id: 'roster-console-tests', client_secret: 'not-checked', email_domains: [domain], jit: 'approval' },
  });
  const otto = `otto.${Date.now().toString(36)}@${domain}`;
  await signInWithSso(page, otto);
  await expect(page.getByRole('heading', { name: 'Waiting for approval' })).toBeVisible();
  await expect(page.getByTestId('sso-result').getByRole('status')).toHaveText(
    'Your identity provider signed you in, and an account was made for you in the organization. It waits for an admin’s approval: you can sign in once they have approved it.',
  );
  await expect(page).toHaveURL(/\/sso$/);
  await screen(page, 'sso-pending-approval');

  // A handoff works once, in the browser that started it: collected already (and from
  // another browser besides), it is refused in words.
  const fragment = await signInThroughSso(org.id, nora);
  expect(fragment).toMatch(/^#handoff=/);
  expect((await collectSsoSession(fragment)).status).toBe(200);
  await page.goto(`/sso${fragment}`);
  await expect(page.getByRole('heading', { name: 'You are not signed in' })).toBeVisible();
  await expect(page.getByRole('alert')).toHaveText(HANDOFF_USED);
  await expect(page).toHaveURL(/\/sso$/);
  await page.getByRole('link', { name: 'Back to sign-in' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in to Roster' })).toBeVisible();
});

test('an org admin lets one member in by single sign-on alone, once the connection was tested', async ({ page }) => {
  const domain = uniqueDomain();
  const { org, adminEmail, token } = await orgWithAdmin('Ridge Clinic');
  const mo = await licensedMember(org.id, token, { first_name: 'Mo', last_name: 'Member' });
  await setSso(org.id, token, domain);

  await signIn(page, adminEmail);
  await expect(page.getByRole('heading', { name: 'Members' })).toBeVisible();
  await page.goto(`/members/${mo.id}`);
  const methods = page.getByRole('group', { name: 'How Mo Member signs in' });
  await methods.getByLabel('Only these ways, for this member').check();
  await expect(methods.getByLabel('Single sign-on (SSO)')).toBeDisabled();
  await expect(methods.getByText('The organization’s single sign-on has not been tested yet: an organization admin tests it in Settings.')).toBeVisible();

  // Tested meanwhile (the admin, whom the org does not let in by single sign-on).
  expect(await signInThroughSso(org.id, adminEmail)).toBe('#error=login_method_not_allowed');
  await page.reload();
  await methods.getByLabel('Only these ways, for this member').check();
  await methods.getByLabel('Single sign-on (SSO)').check();
  await methods.getByLabel('Password').uncheck();
  await page.getByRole('button', { name: 'Save sign-in methods' }).click();
  await expect(page.getByText('Mo Member may now sign in with: Single sign-on (SSO).')).toBeVisible();
  // Mo's identity provider now signs Mo in; the org's admin still may not.
  expect(await signInThroughSso(org.id, mo.email)).toMatch(/^#handoff=/);
  expect(await signInThroughSso(org.id, adminEmail)).toBe('#error=login_method_not_allowed');
});

test('an org admin proves an email domain with its DNS record before sign-ins by email reach the org', async ({ page, context }) => {
  const domain = uniqueDomain();
  const { org, adminEmail, token } = await orgWithAdmin('Delta Clinic');
  await setSso(org.id, token, domain, 'licensed');
  // Tested (the admin, whom the org does not let in by single sign-on yet) and allowed: only the domain is missing.
  expect(await signInThroughSso(org.id, adminEmail)).toBe('#error=login_method_not_allowed');
  await setLoginMethods(org.id, token, ['password', 'sso']);
  const pat = `pat.${Date.now().toString(36)}@${domain}`;
  const patsAccounts = async () =>
    (await api<{ items: { email: string }[] }>('GET', `/v1/orgs/${org.id}/members?tab=licensed&q=${encodeURIComponent(pat)}`, { token })).items;

  // Until the domain is verified, its sign-ins by email are refused in words, and no one of it gets an account just in time.
  await signInWithSso(page, pat);
  await expect(page.getByRole('alert')).toHaveText(NO_ORG_FOR_DOMAIN);
  expect(await signInThroughSso(org.id, pat)).toBe('#error=sso_no_account');
  expect(await patsAccounts()).toEqual([]);

  await signIn(page, adminEmail);
  await page.getByRole('link', { name: 'Settings' }).click();
  const item = ssoSection(page).getByTestId('sso-domain').filter({ hasText: domain });
  await expect(item).toContainText('Waiting for DNS');
  await expect(item.getByText('Add this TXT record at your DNS provider, then Verify.')).toBeVisible();
  const recordName = `_roster-verification.${domain}`;
  await expect(item.getByLabel('TXT record name')).toHaveValue(recordName);
  const recordValue = await item.getByLabel('TXT record value').inputValue();
  expect(recordValue).toMatch(/^roster-domain-verification=\S+$/);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await item.getByRole('button', { name: 'Copy value' }).click();
  await expect(item.getByText('Copied.')).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(recordValue);

  // Verify before the record is published: said in words.
  const verify = item.getByRole('button', { name: `Verify ${domain}` });
  await verify.click();
  await expect(item.getByRole('alert')).toHaveText(
    `The TXT record for ${domain} was not found yet. Check that its name and value are exactly as shown (some DNS providers add the domain to the name themselves), wait a few minutes for it to spread, then Verify again.`,
  );
  await expect(item).toContainText('Waiting for DNS');
  await screen(page, 'settings-sso-domain');
  await page.setViewportSize({ width: 375, height: 800 });
  await item.scrollIntoViewIfNeeded();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  await page.setViewportSize({ width: 1280, height: 900 });

  // Published at the DNS provider, the record verifies the domain.
  publishTxt(recordName, recordValue);
  await verify.click();
  await expect(item.getByRole('status').filter({ hasText: 'is verified' })).toHaveText(
    `${domain} is verified: sign-ins by email for it now go to your identity provider.`,
  );
  await expect(item).toContainText(/Verified on \w+day \d+ \w+ \d{4}/);
  await expect(item.getByLabel('TXT record name')).toHaveCount(0);
  await expect(item.getByRole('button', { name: /^Verify/ })).toHaveCount(0);
  await page.reload();
  await expect(item).toContainText(/Verified on \w+day/);

  // Now Pat's sign-in by email reaches the provider, and Pat gets an account just in time.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await signInWithSso(page, pat);
  await expect(page.getByRole('heading', { name: 'My profile' })).toBeVisible();
  expect(await patsAccounts()).toEqual([expect.objectContaining({ email: pat })]);
});

test('an error comes back in words, and the fragment leaves the address bar at once', async ({ page, baseURL }) => {
  await page.goto('/sign-in');
  await page.goto('/sso#error=sso_refused');
  await expect(page.getByRole('heading', { name: 'Single sign-on did not work' })).toBeVisible();
  await expect(page.getByRole('alert')).toHaveText(SSO_REFUSED);
  expect(page.url()).toBe(`${baseURL}/sso`);
  expect(await page.evaluate(() => location.hash)).toBe('');
  await screen(page, 'sso-error');
  // Back goes to where the person was, not to the address with the fragment.
  await page.goBack();
  await expect(page).toHaveURL(`${baseURL}/sign-in`);

  // Reloaded (nothing left to finish), and an answer the page cannot read.
  await page.goto('/sso');
  await expect(page.getByRole('heading', { name: 'Nothing to finish here' })).toBeVisible();
  await page.goto('/sign-in');
  await page.goto('/sso#handoff=%3Cscript%3E');
  await expect(page.getByRole('alert')).toHaveText(/^This single sign-on did not finish in time, or it was already used\./);
  await expect(page).toHaveURL(`${baseURL}/sso`);

  // An email whose domain no org signs in with single sign-on: said on the sign-in page.
  await signInWithSso(page, uniqueEmail('nobody'));
  await expect(page.getByRole('alert')).toHaveText(NO_ORG_FOR_DOMAIN);
  await expect(page.getByRole('heading', { name: 'Sign in with single sign-on' })).toBeVisible();
  await page.getByLabel('Work email').fill('not an email');
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.locator('#sso-email-error')).toHaveText('Enter a valid email address.');
});

test.describe('at phone width', () => {
  test.use({ viewport: { width: 375, height: 800 } });

  test('the single sign-on settings, sign-in and the way back fit a phone', async ({ page }) => {
    const domain = uniqueDomain();
    const { org, adminEmail, token } = await orgWithAdmin('Pocket Clinic', 'paid', `ada.${Date.now().toString(36)}@${domain}`);
    await setSso(org.id, token, domain, 'licensed');
    await proveDomain(org.id, token, domain);
    expect(await signInThroughSso(org.id, adminEmail)).toBe('#error=login_method_not_allowed');
    await setLoginMethods(org.id, token, ['password', 'sso']);
    const fits = async () => expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);

    await signInWithSso(page, adminEmail);
    await expect(page.getByRole('heading', { name: 'Members' })).toBeVisible();
    await page.getByRole('link', { name: 'Settings' }).click();
    const sso = ssoSection(page);
    await expect(sso.getByTestId('sso-status')).toContainText('Tested on');
    await expect(page.getByLabel('Single sign-on (SSO)')).toBeChecked();
    await expect(sso.getByTestId('sso-domain').filter({ hasText: domain })).toContainText(/Verified on \w+day/);
    await sso.getByRole('button', { name: 'Test sign-in' }).scrollIntoViewIfNeeded();
    await fits();

    // A test sign-in while single sign-on is allowed signs in again and comes back to the settings.
    await providerSignsIn(page, adminEmail);
    await sso.getByRole('button', { name: 'Test sign-in' }).click();
    await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
    await expect(page).toHaveURL(/\/settings$/);
    await page.unrouteAll();
    await page.getByRole('button', { name: 'Sign out' }).click();

    await page.getByRole('button', { name: 'Sign in with single sign-on' }).click();
    await fits();
    await page.goto('/sso#error=sso_no_account');
    await expect(page.getByRole('alert')).toHaveText('Your identity provider knows you, but this email has no account in the organization. Ask your admin to invite you.');
    await fits();
  });
});
