import { expect, test, type Page } from '@playwright/test';
import { screen, signIn } from './support/pages';
import { freezeNow, orgWithAdmin, scim, scimCall, uniqueEmail } from './support/roster';

// Directory sync (SCIM 2.0): an org admin creates the directory's token in Settings, and the
// test then plays the identity provider, calling `<base_url>/Users` with Node's fetch and that
// token (the base URL names the address the pages are served at, which forwards /scim to Roster).

const HELP = 'Give your identity provider (Okta, Microsoft Entra ID) the base URL and the token; it then creates, updates and deactivates members and departments here.';
const DEACTIVATE = { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', value: { active: false } }] };

const directorySection = (page: Page) => page.locator('section.panel', { has: page.getByRole('heading', { name: 'Directory sync (SCIM)' }) });
const fits = async (page: Page) => expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);

/** A user as Okta or Entra ID creates it: active, so invited here. */
function user(email: string, givenName: string, familyName: string) {
  return { userName: email, name: { givenName, familyName }, emails: [{ value: email, primary: true }], active: true };
}

/** Creates the directory's token in Settings and reads the token and base URL from the page, shown this once. */
async function createToken(page: Page): Promise<{ token: string; baseUrl: string }> {
  const section = directorySection(page);
  await section.getByRole('button', { name: 'Create token' }).click();
  await expect(section.getByRole('status').filter({ hasText: 'The directory token was created' })).toBeVisible();
  await expect(section.getByText('Copy it now: it will not be shown again.')).toBeVisible();
  const token = await section.getByLabel('Token', { exact: true }).inputValue();
  const baseUrl = await section.getByLabel('SCIM base URL').inputValue();
  return { token, baseUrl };
}

test('an org admin connects a directory: its users are marked managed, and a freeze holds its membership changes', async ({ page, baseURL, context }) => {
  const { org, adminEmail, token: adminToken } = await orgWithAdmin('Directory Clinic');
  await signIn(page, adminEmail);
  await page.getByRole('link', { name: 'Settings' }).click();
  const section = directorySection(page);
  await expect(section).toContainText(HELP);
  await expect(section.getByText('No directory is connected.')).toBeVisible();
  await expect(section.getByRole('button', { name: 'Disconnect' })).toHaveCount(0);
  await expect(section.getByTestId('held-change')).toHaveCount(0);

  const { token, baseUrl } = await createToken(page);
  expect(token).toMatch(/^roster_scim_\S+$/);
  expect(baseUrl).toBe(`${baseURL}/scim/v2`);
  await expect(section.getByTestId('scim-status')).toContainText(/Connected.*Token created\w*day .* UTC by you/s);
  await expect(section.getByRole('button', { name: 'Replace token' })).toBeVisible();
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await section.getByRole('button', { name: 'Copy token' }).click();
  await expect(section.getByText('Copied.')).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);
  await screen(page, 'settings-directory-token');

  // The identity provider creates a user with the token: an invited member, managed by the directory.
  const email = uniqueEmail('dee');
  const created = await scim<{ id: string; active: boolean }>(baseUrl, token, 'POST', '/Users', user(email, 'Dee', 'Directory'));
  expect(created.active).toBe(true);
  await page.getByRole('link', { name: 'Members' }).click();
  // The admin, invited here, is not the directory's.
  await expect(page.locator(`tr[data-email="${adminEmail}"]`)).toBeVisible();
  await expect(page.locator(`tr[data-email="${adminEmail}"]`)).not.toContainText('Managed by your directory');
  await page.getByRole('tab', { name: /Unlicensed/ }).click();
  const row = page.locator(`tr[data-email="${email}"]`);
  await expect(row).toContainText('Pending invitation');
  await expect(row).toContainText('Managed by your directory');
  await row.getByRole('link', { name: 'Dee Directory' }).click();
  await expect(page.getByRole('heading', { name: 'Dee Directory' })).toBeVisible();
  await expect(page.locator('.page-head')).toContainText('Managed by your directory');
  await expect(page.getByRole('status').filter({ hasText: 'Managed by your directory.' })).toHaveText(
    'Managed by your directory. Your identity provider (SCIM) keeps this member’s name, email, phone, position, department and license: its changes to them overwrite edits made here.',
  );
  // Editing here stays possible.
  await expect(page.getByRole('button', { name: 'Save changes' })).toBeVisible();
  await expect(page.getByTestId('audit-trail')).toContainText('Added by your directory');
  await screen(page, 'member-directory');

  // A freeze window: the directory's deactivation is held (answered as it will be), and listed.
  await freezeNow(org.id, adminToken);
  const patched = await scim<{ active: boolean }>(baseUrl, token, 'PATCH', `/Users/${created.id}`, DEACTIVATE);
  expect(patched.active).toBe(false);
  await page.reload();
  await expect(page.getByTestId('audit-trail')).toContainText('Directory change held by the freeze window');
  await expect(page.getByTestId('audit-trail')).toContainText('Unlicense, when the freeze ends');
  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByTestId('freeze-banner')).toContainText('Membership changes are frozen');
  const held = section.getByTestId('held-change');
  await expect(held).toHaveCount(1);
  await expect(held).toContainText('Unlicense');
  await expect(held.getByRole('link', { name: email })).toBeVisible();
  await expect(held).toContainText(/Received \w+day \d+ \w+ \d{4}, \d\d:\d\d UTC · applies when the freeze ends \(\w+day \d+ \w+ \d{4}, \d\d:\d\d UTC\)/);
  // A creation held meanwhile comes after it, in arrival order.
  const later = uniqueEmail('eve');
  await scim(baseUrl, token, 'POST', '/Users', user(later, 'Eve', 'Later'));
  await page.reload();
  await expect(held).toHaveCount(2);
  await expect(held.nth(0)).toContainText(email);
  await expect(held.nth(1)).toContainText(`Add ${later}`);
  await screen(page, 'settings-directory-held');

  // Replacing the token: asked first; the old one stops at once, the new one works.
  await section.getByRole('button', { name: 'Replace token' }).click();
  const replace = page.getByRole('dialog', { name: 'Replace the directory token?' });
  await expect(replace).toContainText('The current token stops working at once');
  await replace.getByRole('button', { name: 'Replace token' }).click();
  await expect(section.getByRole('status').filter({ hasText: 'A new token was created and the old one no longer works' })).toBeVisible();
  const replaced = await section.getByLabel('Token', { exact: true }).inputValue();
  expect(replaced).not.toBe(token);
  expect((await scimCall(baseUrl, token, 'GET', '/Users')).status).toBe(401);
  expect((await scimCall(baseUrl, replaced, 'GET', '/Users')).status).toBe(200);

  // Disconnecting: asked first; the token stops, and the token shown is gone.
  await section.getByRole('button', { name: 'Disconnect' }).click();
  await page.getByRole('dialog', { name: 'Disconnect the directory?' }).getByRole('button', { name: 'Disconnect' }).click();
  await expect(section.getByText('No directory is connected.')).toBeVisible();
  await expect(section.getByLabel('Token', { exact: true })).toHaveCount(0);
  await expect(section.getByRole('button', { name: 'Create token' })).toBeVisible();
  expect((await scimCall(baseUrl, replaced, 'GET', '/Users')).status).toBe(401);
  // A token shown once is not shown again after a reload.
  await page.reload();
  await expect(section.getByLabel('Token', { exact: true })).toHaveCount(0);
});

test.describe('at phone width', () => {
  test.use({ viewport: { width: 375, height: 800 } });

  test('the directory-sync settings, the held changes and a managed member fit a phone', async ({ page }) => {
    const { org, adminEmail, token: adminToken } = await orgWithAdmin('Pocket Directory Clinic');
    await signIn(page, adminEmail);
    await page.getByRole('link', { name: 'Settings' }).click();
    const section = directorySection(page);
    const { token, baseUrl } = await createToken(page);
    await section.getByRole('button', { name: 'Copy token' }).scrollIntoViewIfNeeded();
    await expect(section.getByRole('button', { name: 'Copy token' })).toBeInViewport();
    await fits(page);

    const email = uniqueEmail('pip');
    const created = await scim<{ id: string }>(baseUrl, token, 'POST', '/Users', user(email, 'Pip', 'Pocket'));
    await freezeNow(org.id, adminToken);
    await scim(baseUrl, token, 'PATCH', `/Users/${created.id}`, DEACTIVATE);
    await page.reload();
    await expect(section.getByTestId('held-change')).toContainText(`Unlicense ${email}`);
    await section.getByTestId('held-change').scrollIntoViewIfNeeded();
    await fits(page);

    await section.getByTestId('held-change').getByRole('link', { name: email }).click();
    await expect(page.getByRole('heading', { name: 'Pip Pocket' })).toBeVisible();
    await expect(page.getByRole('status').filter({ hasText: 'Managed by your directory.' })).toBeVisible();
    await fits(page);
  });
});
