import { expect, test } from '@playwright/test';
import { screen, signIn } from './support/pages';
import { licensedMember, orgWithAdmin, PASSWORD, uniqueEmail } from './support/roster';

test('a member changes their own email: a taken or malformed address is refused in words, a free one is theirs at once', async ({ page }) => {
  const { org, adminEmail, token } = await orgWithAdmin('Email Clinic');
  const mia = await licensedMember(org.id, token, { first_name: 'Mia', last_name: 'Mover' });

  await signIn(page, mia.email);
  await expect(page.getByRole('heading', { name: 'My profile' })).toBeVisible();
  const form = page.getByRole('form', { name: 'Change email' });
  await expect(form.getByTestId('current-email')).toHaveText(mia.email);
  await expect(form.getByRole('button', { name: 'Change email' })).toBeDisabled();

  // Another account of the org has it (compared case-insensitively): 409 email_taken, in words, beside the field.
  await form.getByLabel('New email').fill(adminEmail.toUpperCase());
  await form.getByRole('button', { name: 'Change email' }).click();
  await expect(page.locator('#email-new-error')).toHaveText('Another account in this organization already uses that email.');
  await expect(form.getByLabel('New email')).toHaveAttribute('aria-invalid', 'true');

  await form.getByLabel('New email').fill('not an email');
  await form.getByRole('button', { name: 'Change email' }).click();
  await expect(page.locator('#email-new-error')).toHaveText('Enter a valid email address.');

  // A free address: the API changes it at once, and the page says so.
  const next = uniqueEmail('mia.new');
  await form.getByLabel('New email').fill(next);
  await form.getByRole('button', { name: 'Change email' }).click();
  await expect(form.getByRole('status')).toHaveText(`Your email is now ${next}. Sign in with it from now on.`);
  await expect(page.locator('#email-new-error')).toHaveCount(0);
  await expect(form.getByTestId('current-email')).toHaveText(next);
  await expect(page.getByLabel('Email', { exact: true })).toHaveValue(next);
  await screen(page, 'profile-email');

  // The console keeps the new email for signing in again after a password change.
  const newPassword = 'another long passphrase';
  await page.getByLabel('Current password').fill(PASSWORD);
  await page.getByLabel('New password', { exact: true }).fill(newPassword);
  await page.getByLabel('Repeat the new password').fill(newPassword);
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByText('Your password was changed.')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'My profile' })).toBeVisible();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await signIn(page, mia.email, newPassword);
  await expect(page.getByRole('alert')).toHaveText('That email and password do not match an active account.');
  await signIn(page, next, newPassword);
  await expect(page.getByRole('heading', { name: 'My profile' })).toBeVisible();
  await expect(page.getByRole('form', { name: 'Change email' }).getByTestId('current-email')).toHaveText(next);
});
