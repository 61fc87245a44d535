import { expect, test } from '@playwright/test';
import { screen, signIn } from './support/pages';
import { api, latestLink, licensedMember, orgWithAdmin, uniqueEmail } from './support/roster';

test('an admin invites one person, then pastes a list and sees the preview counts before sending', async ({ page }) => {
  const { org, adminEmail, token } = await orgWithAdmin('Preview Clinic');
  const existing = await licensedMember(org.id, token, { first_name: 'Olga', last_name: 'Old' });
  await api('POST', `/v1/orgs/${org.id}/departments`, { token, body: { name: 'Cardiology' } });

  await signIn(page, adminEmail);
  await expect(page.getByRole('tab', { name: /Licensed/ })).toContainText('2');
  await screen(page, 'members');

  // One person.
  const single = uniqueEmail('sam');
  await page.getByRole('button', { name: 'Invite people' }).click();
  const dialog = page.getByRole('dialog', { name: 'Invite people' });
  await dialog.getByLabel('Email addresses').fill(single);
  await expect(dialog.getByTestId('invite-preview')).toContainText('1 recognised: 1 to invite');
  await dialog.getByLabel('Department').selectOption({ label: 'Cardiology' });
  await screen(page, 'invite-dialog');
  await dialog.getByRole('button', { name: 'Send invitation' }).click();
  await expect(page.getByRole('dialog', { name: 'Invitations' })).toContainText(`Invitation sent to ${single}. It expires on`);
  await latestLink(single);

  // A pasted list: the counts say what will happen before anything is sent.
  await page.getByRole('button', { name: 'Send more invites' }).click();
  const a = uniqueEmail('a');
  const b = uniqueEmail('b');
  const c = uniqueEmail('c');
  await page.getByLabel('Email addresses').fill(`${a}, ${b}; ${c}\nnot-an-email ${a}\n${existing.email}`);
  const preview = page.getByTestId('invite-preview');
  // Four distinct addresses are emails (a, b, c and the member's): the typo and the repeat are not counted.
  await expect(preview).toContainText('4 recognised: 3 to invite, 1 already a member; 1 not an email; 1 repeated');
  await expect(preview).toContainText('Not email addresses: not-an-email');
  await expect(preview).toContainText(`${existing.email} (Licensed)`);
  await page.getByRole('button', { name: 'Invite 3 people' }).click();
  const progress = page.getByTestId('import-progress');
  await expect(progress).toHaveAttribute('data-status', 'completed', { timeout: 15_000 });
  await expect(progress).toContainText('3 invitations sent. 3 rows were not invited.');
  await expect(progress.getByRole('row', { name: /not-an-email Not a valid email address/ })).toBeVisible();
  await expect(progress.getByRole('row', { name: new RegExp(`${existing.email.replace(/\./g, '\\.')} This person already has an account`) })).toBeVisible();
  await page.getByRole('button', { name: 'Done' }).click();

  await page.getByRole('tab', { name: /Unlicensed/ }).click();
  await expect(page.getByRole('tab', { name: /Unlicensed/ })).toContainText('4');
  for (const email of [single, a, b, c]) await expect(page.locator(`tr[data-email="${email}"]`)).toContainText('Pending invitation');
  await expect(page.locator(`tr[data-email="${single}"]`)).toContainText('Cardiology');
});
