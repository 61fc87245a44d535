import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { screen, signIn } from './support/pages';
import { api, orgWithAdmin, uniqueEmail } from './support/roster';

test('an admin imports a CSV file, watches it finish and gets the failed rows, also as CSV', async ({ page }) => {
  const { org, adminEmail, token } = await orgWithAdmin('Import Hospital');
  await api('POST', `/v1/orgs/${org.id}/departments`, { token, body: { name: 'Radiology' } });
  const [first, second] = [uniqueEmail('first'), uniqueEmail('second')];
  const csv = [
    'email,first_name,last_name,phone,department,position,role',
    `${first},Fay,First,+1 555 010 0001,Radiology,Nurse,member`,
    `${second},Sid,Second,,,,member`,
    'broken-address,Bad,Row,,,,member',
    `${first},Fay,Again,,,,member`,
    `${uniqueEmail('third')},Tia,Third,,Nowhere,,member`,
  ].join('\n');

  await signIn(page, adminEmail);
  await page.getByRole('button', { name: 'Import CSV' }).click();
  const dialog = page.getByRole('dialog', { name: 'Import people from a CSV file' });
  const template = page.waitForEvent('download');
  await dialog.getByRole('button', { name: 'Download the template' }).click();
  const templateFile = await template;
  expect(templateFile.suggestedFilename()).toBe('roster-import-template.csv');
  expect(readFileSync(await templateFile.path(), 'utf8')).toContain('email,first_name,last_name,phone,department,position,role');

  await dialog.getByLabel('CSV file').setInputFiles({ name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await screen(page, 'import-dialog');
  await dialog.getByRole('button', { name: 'Start import' }).click();
  const progress = dialog.getByTestId('import-progress');
  await expect(progress.getByRole('progressbar', { name: /Import finished|Sending invitations|Waiting to start/ })).toBeVisible();
  await expect(progress).toHaveAttribute('data-status', 'completed', { timeout: 15_000 });
  await expect(progress).toContainText('5 of 5 rows processed');
  await expect(progress).toContainText('2 invitations sent. 3 rows were not invited.');
  await expect(progress.getByRole('row', { name: /4 broken-address Not a valid email address/ })).toBeVisible();
  await expect(progress.getByRole('row', { name: /5 .* This email appears earlier in the file/ })).toBeVisible();
  await expect(progress.getByRole('row', { name: /6 .* That department does not exist/ })).toBeVisible();
  await screen(page, 'import-finished');

  const failures = page.waitForEvent('download');
  await progress.getByRole('button', { name: 'Download these rows as CSV' }).click();
  const failuresCsv = readFileSync(await (await failures).path(), 'utf8');
  expect(failuresCsv.split('\r\n')[0]).toBe('row,email,code,reason');
  expect(failuresCsv).toContain('4,broken-address,invalid_email,Not a valid email address.');
  expect(failuresCsv).toContain('duplicate_in_file');
  expect(failuresCsv).toContain('unknown_department');

  await dialog.getByRole('button', { name: 'Done' }).click();
  await page.getByRole('tab', { name: /Unlicensed/ }).click();
  await expect(page.locator(`tr[data-email="${first}"]`)).toContainText('Radiology');
  await expect(page.locator(`tr[data-email="${second}"]`)).toContainText('Pending invitation');
});
