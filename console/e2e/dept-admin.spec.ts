import { expect, test } from '@playwright/test';
import { screen, signIn } from './support/pages';
import { api, licensedMember, orgWithAdmin } from './support/roster';

test('a department admin sees only their department and only the actions they may take', async ({ page }) => {
  const { org, token } = await orgWithAdmin('Dept Hospital');
  const cardio = await api<{ id: string }>('POST', `/v1/orgs/${org.id}/departments`, { token, body: { name: 'Cardiology' } });
  const neuro = await api<{ id: string }>('POST', `/v1/orgs/${org.id}/departments`, { token, body: { name: 'Neurology' } });
  const head = await licensedMember(org.id, token, { first_name: 'Dee', last_name: 'Head', role: 'dept_admin', department_id: cardio.id });
  const colleague = await licensedMember(org.id, token, { first_name: 'Cal', last_name: 'Cardio', department_id: cardio.id });
  const other = await licensedMember(org.id, token, { first_name: 'Ned', last_name: 'Neuro', department_id: neuro.id });

  await signIn(page, head.email);
  await expect(page.getByRole('heading', { name: 'Members' })).toBeVisible();
  const nav = page.getByRole('navigation', { name: 'Console' });
  await expect(nav.getByRole('link')).toHaveText(['Members', 'My profile']);
  await expect(page.getByLabel('Department')).toBeDisabled();
  await expect(page.getByLabel('Department')).toHaveValue(cardio.id);
  await expect(page.locator(`tr[data-email="${colleague.email}"]`)).toBeVisible();
  await expect(page.locator(`tr[data-email="${other.email}"]`)).toHaveCount(0);
  // No license management: no remove buttons, no selection for bulk edit.
  await expect(page.getByRole('button', { name: /^Remove / })).toHaveCount(0);
  await expect(page.getByRole('checkbox')).toHaveCount(0);
  await screen(page, 'members-dept-admin');

  await page.getByRole('button', { name: 'Invite people' }).click();
  const dialog = page.getByRole('dialog', { name: 'Invite people' });
  await expect(dialog.getByLabel('Role')).toHaveText('Member');
  await expect(dialog.getByLabel('Department')).toBeDisabled();
  await expect(dialog.getByLabel('Department')).toHaveValue(cardio.id);
  await dialog.getByRole('button', { name: 'Cancel' }).click();

  await page.getByRole('link', { name: 'Cal Cardio' }).click();
  await expect(page.getByRole('heading', { name: 'Cal Cardio' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Save changes' })).toHaveCount(0);
  await expect(page.getByLabel('License ends on')).toHaveCount(0);
  await expect(page.getByRole('heading', { name: 'History' })).toHaveCount(0);

  await page.goto('/settings');
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
});
