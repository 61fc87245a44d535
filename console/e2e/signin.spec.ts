import { expect, test } from '@playwright/test';
import { screen, signIn } from './support/pages';
import { acceptInvitation, api, emailsTo, latestLink, orgWithAdmin, uniqueEmail } from './support/roster';

test('a wrong password is refused in words', async ({ page }) => {
  const { adminEmail } = await orgWithAdmin('Signin Clinic');
  await signIn(page, adminEmail, 'not the password at all');
  await expect(page.getByRole('alert')).toHaveText('That email and password do not match an active account.');
  await screen(page, 'sign-in-error');
});

test('an account created by an admin signs in with its temporary password and must choose its own first', async ({ page }) => {
  const { org, token } = await orgWithAdmin('Temp Clinic');
  const email = uniqueEmail('tom');
  await api('POST', `/v1/orgs/${org.id}/accounts`, { token, body: { email, first_name: 'Tom', last_name: 'Temp', role: 'member' } });
  await expect.poll(() => emailsTo(email).length).toBeGreaterThan(0);
  const temporary = /Temporary password: (\S+)/.exec(emailsTo(email).at(-1) ?? '')?.[1];
  expect(temporary).toBeTruthy();

  await signIn(page, email, temporary);
  await expect(page.getByRole('heading', { name: 'Choose your password' })).toBeVisible();
  await screen(page, 'temporary-password');
  await page.getByLabel('New password', { exact: true }).fill('a brand new passphrase');
  await page.getByLabel('Repeat the new password').fill('a brand new passphrase');
  await page.getByRole('button', { name: 'Save password and continue' }).click();
  await expect(page.getByRole('heading', { name: 'My profile' })).toBeVisible();
  await expect(page.getByText('The member lists and settings are for admins.')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Members' })).toHaveCount(0);
});

test('an email with accounts in two organizations chooses which one to sign in to', async ({ page }) => {
  const first = await orgWithAdmin('North Clinic');
  const second = await orgWithAdmin('South Clinic');
  const email = uniqueEmail('two');
  for (const { org, token } of [first, second]) {
    const before = emailsTo(email).length;
    await api('POST', `/v1/orgs/${org.id}/invitations`, { token, body: { email, role: 'member' } });
    await acceptInvitation((await latestLink(email, 'invite', before)).token, { first_name: 'Tess', last_name: 'Two' });
  }
  // The browser learns the organizations' names from the invitation pages it has opened.
  await page.goto('/sign-in');
  await page.evaluate(
    (orgs) => localStorage.setItem('roster.orgs', JSON.stringify(orgs)),
    [first.org, second.org].map((o) => ({ id: o.id, name: o.name })),
  );
  await signIn(page, email);
  await expect(page.getByText('This email has accounts in several organizations: choose which one to sign in to.')).toBeVisible();
  await expect(page.locator('#signin-org-error')).toHaveText('Choose the organization to sign in to.');
  await screen(page, 'sign-in-choose-org');
  await page.getByLabel('Organization', { exact: true }).selectOption({ label: 'South Clinic' });
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'My profile' })).toBeVisible();

  await page.getByLabel('Mobile number').fill('+1 555 010 0777');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByText('Your details were saved.')).toBeVisible();
});
