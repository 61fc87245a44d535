// The README's screenshots: seeds an org on a fresh roster-local, signs in as its admin
// and saves PNGs in docs/screenshots/. Run on demand by scripts/screenshots.sh (with
// playwright.screenshots.config.ts), never by the normal test run.
import { expect, test, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { signIn } from './support/pages';
import { acceptInvitation, api, createOrg, emailsTo, latestLink, login, type Org } from './support/roster';

const OUT = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const ADMIN = 'ada.admin@acme.test';

/** The window (a modal dialog's backdrop covers only that), or the whole page, at 1280 px. */
async function save(page: Page, name: string, fullPage = false) {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur?.());
  await page.screenshot({ path: `${OUT}${name}.png`, fullPage, animations: 'disabled', caret: 'hide' });
}

/** Someone the admin invited who accepted: licensed. */
async function person(org: Org, token: string, first: string, last: string, department?: string, role = 'member') {
  const email = `${first}.${last}@acme.test`.toLowerCase();
  const { id } = await api<{ id: string }>('POST', `/v1/orgs/${org.id}/invitations`, { token, body: { email, role, department_id: department ?? null } });
  await acceptInvitation((await latestLink(email)).token, { first_name: first, last_name: last });
  return { id, email };
}

test('README screenshots', async ({ page }) => {
  if (emailsTo(ADMIN).length > 0) throw new Error('run this against a fresh roster-local (scripts/screenshots.sh starts one)');
  mkdirSync(OUT, { recursive: true });

  // The scene: Acme Care with three departments and a few licensed members.
  const org = await createOrg('Acme Care', { email: ADMIN, first_name: 'Ada', last_name: 'Admin' }, 'paid');
  await acceptInvitation((await latestLink(ADMIN)).token, { first_name: 'Ada', last_name: 'Admin' });
  const token = await login(ADMIN);
  const dept: Record<string, string> = {};
  for (const name of ['Cardiology', 'Emergency', 'Radiology']) {
    dept[name] = (await api<{ id: string }>('POST', `/v1/orgs/${org.id}/departments`, { token, body: { name } })).id;
  }
  await person(org, token, 'Grace', 'Hopper', dept.Cardiology, 'dept_admin');
  const alan = await person(org, token, 'Alan', 'Turing', dept.Cardiology);
  await person(org, token, 'Katherine', 'Johnson', dept.Emergency);
  await person(org, token, 'Edsger', 'Dijkstra', dept.Emergency);
  await person(org, token, 'Barbara', 'Liskov', dept.Radiology);
  await person(org, token, 'Donald', 'Knuth');
  await api('PATCH', `/v1/orgs/${org.id}/members/${alan.id}`, { token, body: { position: 'Charge nurse', location: 'North wing' } });

  // 1. The Licensed tab.
  await signIn(page, ADMIN);
  await expect(page.getByRole('tab', { name: /Licensed/ })).toContainText('7');
  await expect(page.locator(`tr[data-email="${alan.email}"]`)).toBeVisible();
  await save(page, 'licensed-tab', true);

  // 2. The invite dialog with a pasted list and its preview.
  await page.getByRole('button', { name: 'Invite people' }).click();
  const invite = page.getByRole('dialog', { name: 'Invite people' });
  await invite
    .getByLabel('Email addresses')
    .fill(['mae.jemison@acme.test, ada.lovelace@acme.test', 'margaret.hamilton@acme.test; not-an-email', 'ada.lovelace@acme.test', alan.email].join('\n'));
  await expect(invite.getByTestId('invite-preview')).toContainText('4 recognised: 3 to invite, 1 already a member; 1 not an email; 1 repeated');
  await invite.getByLabel('Department').selectOption({ label: 'Emergency' });
  await save(page, 'invite-dialog-preview');
  await invite.getByRole('button', { name: 'Cancel' }).click();

  // 3. A CSV import and its result.
  const csv = [
    'email,first_name,last_name,phone,department,position,role',
    'mary.jackson@acme.test,Mary,Jackson,+1 555 010 0101,Radiology,Radiographer,member',
    'john.vonneumann@acme.test,John,von Neumann,,Cardiology,Cardiologist,member',
    'dorothy.vaughan@acme.test,Dorothy,Vaughan,,Emergency,,dept_admin',
    'broken-address,Bad,Row,,,,member',
    'mary.jackson@acme.test,Mary,Again,,,,member',
    'tim.berners-lee@acme.test,Tim,Berners-Lee,,Pharmacy,,member',
    `${alan.email},Alan,Turing,,,,member`,
  ].join('\n');
  await page.getByRole('button', { name: 'Import CSV' }).click();
  const importing = page.getByRole('dialog', { name: 'Import people from a CSV file' });
  await importing.getByLabel('CSV file').setInputFiles({ name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await importing.getByRole('button', { name: 'Start import' }).click();
  await expect(importing.getByTestId('import-progress')).toHaveAttribute('data-status', 'completed', { timeout: 15_000 });
  await save(page, 'csv-import-result');
  await importing.getByRole('button', { name: 'Done' }).click();

  // 4. The invitation acceptance page, as the invitee sees it from the email's link.
  const invitee = 'hedy.lamarr@acme.test';
  await api('POST', `/v1/orgs/${org.id}/invitations`, {
    token,
    body: { email: invitee, role: 'member', department_id: dept.Radiology, first_name: 'Hedy', last_name: 'Lamarr' },
  });
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.goto((await latestLink(invitee)).path);
  await expect(page.getByRole('heading', { name: 'Join Acme Care' })).toBeVisible();
  await page.getByLabel('Mobile number').fill('+1 555 010 0123');
  await save(page, 'invitation-acceptance', true);
});
