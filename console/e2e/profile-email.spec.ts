import { expect, test } from '@playwright/test';
import { screen, signIn } from './support/pages';
import { latestLink, licensedMember, orgWithAdmin, PASSWORD, uniqueEmail } from './support/roster';

const NO_MATCH = 'That email and password do not match an active account.';

test('a member changes their own email: it changes once the link sent to the new address is opened, and a taken address answers like any other', async ({ page }) => {
  const { org, adminEmail, token } = await orgWithAdmin('Email Clinic');
  const mia = await licensedMember(org.id, token, { first_name: 'Mia', last_name: 'Mover' });

  await signIn(page, mia.email);
  await expect(page.getByRole('heading', { name: 'My profile' })).toBeVisible();
  const form = page.getByRole('form', { name: 'Change email' });
  const pending = form.getByTestId('pending-email');
  await expect(form.getByTestId('current-email')).toHaveText(mia.email);
  await expect(form.getByRole('button', { name: 'Change email' })).toBeDisabled();
  await expect(pending).toHaveCount(0);

  // A malformed address: refused in words, beside the field.
  await form.getByLabel('New email').fill('not an email');
  await form.getByRole('button', { name: 'Change email' }).click();
  await expect(page.locator('#email-new-error')).toHaveText('Enter a valid email address.');
  await expect(form.getByLabel('New email')).toHaveAttribute('aria-invalid', 'true');

  // Another account of the org has this one (in capitals): the answer is the same as for
  // any address, so nobody can probe who belongs. The change waits for its link.
  await form.getByLabel('New email').fill(adminEmail.toUpperCase());
  await form.getByRole('button', { name: 'Change email' }).click();
  await expect(form.getByRole('status')).toHaveText(`We sent a confirmation link to ${adminEmail}. Your email stays ${mia.email} until you open it.`);
  await expect(page.locator('#email-new-error')).toHaveCount(0);
  await expect(pending).toContainText(`Waiting for ${adminEmail} to confirm`);
  await expect(form.getByTestId('current-email')).toHaveText(mia.email);

  // Called off: nothing waits any more.
  await pending.getByRole('button', { name: 'Cancel the change' }).click();
  await expect(form.getByRole('status')).toHaveText(`The change to ${adminEmail} is cancelled. Your email stays ${mia.email}.`);
  await expect(pending).toHaveCount(0);

  // A free address: a link goes to it; the email stays until the link is opened.
  const next = uniqueEmail('mia.new');
  await form.getByLabel('New email').fill(next);
  await form.getByRole('button', { name: 'Change email' }).click();
  await expect(form.getByRole('status')).toHaveText(`We sent a confirmation link to ${next}. Your email stays ${mia.email} until you open it.`);
  await expect(pending).toContainText(`Waiting for ${next} to confirm: the link we sent there works until `);
  await expect(pending.getByRole('button', { name: 'Cancel the change' })).toBeEnabled();
  await expect(form.getByTestId('current-email')).toHaveText(mia.email);
  await expect(page.getByLabel('Email', { exact: true })).toHaveValue(mia.email);
  await screen(page, 'profile-email');

  // Not before the link is opened: the new address does not sign in yet.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await signIn(page, next);
  await expect(page.getByRole('alert')).toHaveText(NO_MATCH);

  // The link emailed to the new address makes it the email, and hands it to the sign-in page.
  const link = await latestLink(next, 'confirm-email');
  expect(link.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  await page.goto(link.path);
  await expect(page.getByTestId('email-confirmed').getByRole('status')).toHaveText(`Your email is now ${next}. Sign in with it.`);
  await screen(page, 'confirm-email');
  await page.getByRole('link', { name: 'Sign in' }).click();
  await expect(page.getByLabel('Email')).toHaveValue(next);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'My profile' })).toBeVisible();
  await expect(form.getByTestId('current-email')).toHaveText(next);
  await expect(pending).toHaveCount(0);

  // The console keeps the new email for signing in again after a password change.
  const newPassword = 'another long passphrase';
  await page.getByLabel('Current password').fill(PASSWORD);
  await page.getByLabel('New password', { exact: true }).fill(newPassword);
  await page.getByLabel('Repeat the new password').fill(newPassword);
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByText('Your password was changed.')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'My profile' })).toBeVisible();

  // The old email signs in no more; the new one does.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await signIn(page, mia.email, newPassword);
  await expect(page.getByRole('alert')).toHaveText(NO_MATCH);
  await signIn(page, next, newPassword);
  await expect(page.getByRole('heading', { name: 'My profile' })).toBeVisible();
  await expect(page.getByRole('form', { name: 'Change email' }).getByTestId('current-email')).toHaveText(next);

  // A link works once.
  await page.goto(link.path);
  await expect(page.getByTestId('email-not-confirmed').getByRole('alert')).toContainText(
    'This link is not valid any more: it may have been used already',
  );
});
