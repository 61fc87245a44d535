import { expect, test, type Page } from '@playwright/test';
import { screen, signIn } from './support/pages';
import { advanceClock, api, latestLink, licensedMember, orgWithAdmin, uniqueEmail } from './support/roster';

function row(page: Page, email: string) {
  return page.locator(`tr[data-email="${email}"]`);
}

test('an admin removes a member and reinvites them, each after a confirmation', async ({ page }) => {
  const { org, adminEmail, token } = await orgWithAdmin('Lifecycle Clinic');
  const nia = await licensedMember(org.id, token, { first_name: 'Nia', last_name: 'Nurse' });
  await signIn(page, adminEmail);

  await row(page, nia.email).getByRole('button', { name: 'Remove Nia Nurse' }).click();
  const confirm = page.getByRole('dialog', { name: 'Remove this member?' });
  await expect(confirm).toContainText('Nia Nurse loses access at once and moves to the Unlicensed tab.');
  await screen(page, 'confirm-remove');
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await expect(row(page, nia.email)).toBeVisible();

  await row(page, nia.email).getByRole('button', { name: 'Remove Nia Nurse' }).click();
  await page.getByRole('dialog', { name: 'Remove this member?' }).getByRole('button', { name: 'Remove' }).click();
  await expect(page.getByText('Nia Nurse was removed and now shows under Unlicensed.')).toBeVisible();
  await expect(row(page, nia.email)).toHaveCount(0);

  await page.getByRole('tab', { name: /Unlicensed/ }).click();
  await expect(row(page, nia.email)).toContainText('Unlicensed');
  const emailsBefore = (await latestLink(nia.email)).token;
  await row(page, nia.email).getByRole('button', { name: 'Reinvite Nia Nurse' }).click();
  await page.getByRole('dialog', { name: 'Reinvite this person?' }).getByRole('button', { name: 'Reinvite' }).click();
  await expect(page.getByText('Nia Nurse was reinvited: the invitation is pending.')).toBeVisible();
  await expect(row(page, nia.email)).toContainText('Pending invitation');
  await expect.poll(async () => (await latestLink(nia.email)).token).not.toBe(emailsBefore);

  // A second admin action on the same pending invitation: resend, behind its own confirmation.
  await row(page, nia.email).getByRole('button', { name: 'Resend invitation Nia Nurse' }).click();
  await page.getByRole('dialog', { name: 'Send the invitation again?' }).getByRole('button', { name: 'Resend invitation' }).click();
  await expect(page.getByText('The invitation to Nia Nurse was sent again.')).toBeVisible();
});

test('a join request through the invite link waits for approval, and the admin approves it', async ({ page }) => {
  const { org, adminEmail, token } = await orgWithAdmin('Join Practice');
  const link = await api<{ url: string; code: string }>('GET', `/v1/orgs/${org.id}/invite-link`, { token });
  const email = uniqueEmail('jo');

  await page.goto(`/join/${link.code}`);
  await expect(page.getByRole('heading', { name: 'Ask to join Join Practice' })).toBeVisible();
  await page.getByLabel('Work email').fill(email);
  await page.getByLabel('First name').fill('Jo');
  await page.getByLabel('Last name').fill('Joiner');
  await page.getByLabel('Mobile number').fill('+1 555 010 0142');
  await screen(page, 'join');
  await page.getByRole('button', { name: 'Send request' }).click();
  await expect(page.getByRole('heading', { name: 'Waiting for approval' })).toBeVisible();
  await expect(page.getByTestId('waiting-for-approval')).toContainText(email);
  await expect(page.getByTestId('waiting-for-approval')).toContainText('Your request to join Join Practice was sent');
  await screen(page, 'join-waiting');

  await signIn(page, adminEmail);
  await page.getByRole('link', { name: 'Invite link' }).click();
  await expect(page.getByRole('textbox', { name: 'Link' })).toHaveValue(link.url);
  await expect(page.getByRole('img', { name: `QR code for ${link.url}` })).toBeVisible();
  await screen(page, 'invite-link');

  await page.getByRole('link', { name: 'Members' }).click();
  await page.getByRole('tab', { name: /Pending/ }).click();
  await expect(page.getByRole('tab', { name: /Pending/ })).toContainText('1');
  await expect(row(page, email)).toContainText('Waiting for approval');
  await row(page, email).getByRole('button', { name: 'Approve Jo Joiner' }).click();
  await page.getByRole('dialog', { name: 'Approve this request?' }).getByRole('button', { name: 'Approve' }).click();
  await expect(page.getByText('Jo Joiner was approved and is now licensed.')).toBeVisible();
  await page.getByRole('tab', { name: /Licensed/ }).click();
  await expect(row(page, email)).toContainText('Licensed');
});

test('a license end date set in the member detail unlicenses the member once the test clock passes it', async ({ page }) => {
  const { org, adminEmail, token } = await orgWithAdmin('License Ward');
  const lee = await licensedMember(org.id, token, { first_name: 'Lee', last_name: 'Locum' });
  const member = await api<{ created_at: string }>('GET', `/v1/orgs/${org.id}/members/${lee.id}`, { token });
  const serviceNow = new Date(member.created_at);
  const endDay = new Date(serviceNow.getTime() + 86_400_000).toISOString().slice(0, 10);

  await signIn(page, adminEmail);
  await page.getByRole('link', { name: 'Lee Locum' }).click();
  await expect(page.getByRole('heading', { name: 'Lee Locum' })).toBeVisible();
  await page.getByLabel('Position').fill('Locum physician');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByText('The changes were saved.')).toBeVisible();
  await page.getByLabel('License ends on').fill(endDay);
  await page.getByRole('button', { name: 'Set end date' }).click();
  await expect(page.getByText(/The license now ends on \w+day/)).toBeVisible();
  await expect(page.getByTestId('audit-trail')).toContainText('License end date set');
  await expect(page.getByTestId('audit-trail')).toContainText('by you');
  await screen(page, 'member-detail');

  await advanceClock(3 * 86_400);
  // The console's access token has expired on the service clock: the console says so and asks to sign in again.
  await page.getByRole('link', { name: 'Members', exact: true }).click();
  await expect(page.getByText('Your session has ended. Please sign in again.')).toBeVisible();
  await expect(page.getByLabel('Email')).toHaveValue(adminEmail);
  await page.getByLabel('Password').fill('correct horse battery staple');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('tab', { name: /Unlicensed/ }).click();
  await expect(row(page, lee.email)).toContainText('Unlicensed');
  await page.getByRole('link', { name: 'Lee Locum' }).click();
  await expect(page.getByTestId('audit-trail')).toContainText('Unlicensed automatically');
  await expect(page.getByTestId('audit-trail')).toContainText('the license end date passed');
});
