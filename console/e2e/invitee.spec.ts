import { expect, test } from '@playwright/test';
import { screen } from './support/pages';
import { createOrg, latestLink, PASSWORD, uniqueEmail } from './support/roster';

test('an invitee opens the link from the email, registers, and lands on sign-in with the email filled in', async ({ page }) => {
  const email = uniqueEmail('ada');
  await createOrg('Acme Care', { email, first_name: 'Ada', last_name: 'Admin' });
  const link = await latestLink(email);

  await page.goto(link.path);
  await expect(page.getByRole('heading', { name: 'Join Acme Care' })).toBeVisible();
  await expect(page.getByLabel('Email')).toHaveValue(email);
  await expect(page.getByLabel('Email')).not.toBeEditable();
  await expect(page.getByText(/This invitation expires on [A-Z][a-z]+day \d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d UTC/)).toBeVisible();
  await expect(page.getByLabel('First name')).toHaveValue('Ada');
  await screen(page, 'invite');

  // Field errors in words, beside their fields.
  await page.getByLabel('Mobile number').fill('12');
  await page.getByLabel('Password').fill('short');
  await expect(page.getByText('Too short: 5 more characters needed.')).toBeVisible();
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.locator('#accept-phone-error')).toHaveText('Enter a phone number with 7 to 15 digits, optionally starting with +.');
  await expect(page.locator('#accept-password-error')).toHaveText('Use at least 10 characters.');
  await expect(page.locator('#accept-eula-error')).toHaveText('You must accept the end-user license agreement to continue.');

  await page.getByLabel('Mobile number').fill('+1 555 010 0199');
  await page.getByLabel('Password').fill(PASSWORD);
  await expect(page.getByText('Strong.')).toBeVisible();
  await page.getByLabel(/I accept the end-user license agreement/).check();
  await page.getByRole('button', { name: 'Create account' }).click();

  await expect(page).toHaveURL(/\/sign-in\?/);
  await expect(page.getByText('Your account is ready. Sign in with the password you just chose.')).toBeVisible();
  await expect(page.getByLabel('Email')).toHaveValue(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Members' })).toBeVisible();
  await expect(page.getByText('Acme Care')).toBeVisible();
  await expect(page.getByRole('row', { name: /Ada Admin/ })).toBeVisible();
});
