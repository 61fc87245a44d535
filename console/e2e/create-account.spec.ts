import { expect, test } from '@playwright/test';
import { screen, signIn } from './support/pages';
import { api, emailsTo, licensedMember, login, orgWithAdmin, uniqueEmail } from './support/roster';

test('an org admin creates a licensed account (temporary password emailed) and a shell account, with errors beside their fields', async ({ page }) => {
  const { org, adminEmail, token } = await orgWithAdmin('Accounts Clinic');
  await api('POST', `/v1/orgs/${org.id}/departments`, { token, body: { name: 'Cardiology' } });
  const existing = await licensedMember(org.id, token, { first_name: 'Olga', last_name: 'Old' });

  await signIn(page, adminEmail);
  await page.getByRole('button', { name: 'Create account' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create an account' });
  await expect(dialog.getByLabel('Licensed account')).toBeChecked();
  await expect(dialog.getByLabel('Role')).toHaveValue('member');

  // The API's field errors, in words, beside their fields (and no second message above).
  await dialog.getByLabel('Email').fill('not-an-email');
  await dialog.getByLabel('First name').fill('Tom');
  await dialog.getByLabel('Last name').fill('Temp');
  await dialog.getByLabel('Mobile number (optional)').fill('12');
  await dialog.getByRole('button', { name: 'Create account' }).click();
  await expect(dialog.locator('#create-email-error')).toHaveText('Enter a valid email address.');
  await expect(dialog.locator('#create-phone-error')).toHaveText('Enter a phone number with 7 to 15 digits, optionally starting with +.');
  await expect(dialog.getByLabel('Email')).toHaveAttribute('aria-invalid', 'true');
  await expect(dialog.getByRole('alert')).toHaveCount(0);

  // An email that already has an account: what to do instead, beside the email.
  await dialog.getByLabel('Email').fill(existing.email);
  await dialog.getByLabel('Mobile number (optional)').fill('+1 555 010 0142');
  await dialog.getByRole('button', { name: 'Create account' }).click();
  await expect(dialog.locator('#create-email-error')).toHaveText('This person is already a licensed member.');
  await expect(dialog.locator('#create-phone-error')).toHaveCount(0);

  // A licensed account: licensed at once, its temporary password emailed.
  const tom = uniqueEmail('tom');
  await dialog.getByLabel('Email').fill(tom);
  await dialog.getByLabel('Position (optional)').fill('Charge nurse');
  await dialog.getByLabel('Department').selectOption({ label: 'Cardiology' });
  await screen(page, 'create-account');
  await dialog.getByRole('button', { name: 'Create account' }).click();
  const done = page.getByRole('dialog', { name: 'Account created' });
  await expect(done.getByRole('status')).toHaveText(
    `Account created for Tom Temp: they are licensed now. Their sign-in email (${tom}) and a temporary password were emailed to them; they choose their own password the first time they sign in.`,
  );
  await expect.poll(() => emailsTo(tom).length).toBeGreaterThan(0);
  const temporary = /Temporary password: (\S+)/.exec(emailsTo(tom).at(-1) ?? '')?.[1];
  expect(temporary).toBeTruthy();
  await login(tom, temporary!);
  await screen(page, 'create-account-done');

  // A shell account: no sign-in, no email.
  await done.getByRole('button', { name: 'Create another account' }).click();
  const sue = uniqueEmail('sue');
  await dialog.getByLabel('Shell account').check();
  await dialog.getByLabel('Email').fill(sue);
  await dialog.getByLabel('First name').fill('Sue');
  await dialog.getByLabel('Last name').fill('Shell');
  await dialog.getByRole('button', { name: 'Create shell account' }).click();
  await expect(done.getByRole('status')).toHaveText(
    `Shell account created for Sue Shell (${sue}). It can be put on on-call schedules but can’t sign in or be messaged; no email was sent.`,
  );
  await done.getByRole('button', { name: 'Done' }).click();

  await expect(page.getByRole('tab', { name: /Licensed/ })).toContainText('4');
  await expect(page.locator(`tr[data-email="${tom}"]`)).toContainText('Cardiology');
  await expect(page.locator(`tr[data-email="${sue}"]`)).toContainText('Licensed');
  expect(emailsTo(sue)).toEqual([]);
  const members = await api<{ items: { email: string; kind: string; position: string | null }[] }>('GET', `/v1/orgs/${org.id}/members?tab=licensed`, { token });
  expect(members.items.find((m) => m.email === tom)).toMatchObject({ kind: 'full', position: 'Charge nurse' });
  expect(members.items.find((m) => m.email === sue)).toMatchObject({ kind: 'shell' });
});

test('a department admin creates accounts only as members of their own department', async ({ page }) => {
  const { org, token } = await orgWithAdmin('Dept Accounts Hospital');
  const cardio = await api<{ id: string }>('POST', `/v1/orgs/${org.id}/departments`, { token, body: { name: 'Cardiology' } });
  await api('POST', `/v1/orgs/${org.id}/departments`, { token, body: { name: 'Neurology' } });
  const head = await licensedMember(org.id, token, { first_name: 'Dee', last_name: 'Head', role: 'dept_admin', department_id: cardio.id });

  await signIn(page, head.email);
  await page.getByRole('button', { name: 'Create account' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create an account' });
  await expect(dialog.getByLabel('Role')).toHaveText('Member');
  await expect(dialog.getByLabel('Department')).toBeDisabled();
  await expect(dialog.getByLabel('Department')).toHaveValue(cardio.id);
  const cal = uniqueEmail('cal');
  await dialog.getByLabel('Email').fill(cal);
  await dialog.getByLabel('First name').fill('Cal');
  await dialog.getByLabel('Last name').fill('Created');
  await dialog.getByRole('button', { name: 'Create account' }).click();
  const done = page.getByRole('dialog', { name: 'Account created' });
  await expect(done.getByRole('status')).toContainText('Account created for Cal Created: they are licensed now.');
  await done.getByRole('button', { name: 'Done' }).click();
  await expect(page.locator(`tr[data-email="${cal}"]`)).toContainText('Cardiology');
  const created = await api<{ items: { email: string; role: string; department_id: string }[] }>('GET', `/v1/orgs/${org.id}/members?tab=licensed`, { token });
  expect(created.items.find((m) => m.email === cal)).toMatchObject({ role: 'member', department_id: cardio.id });
});
