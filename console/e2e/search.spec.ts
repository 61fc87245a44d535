import { expect, test, type Page } from '@playwright/test';
import { signIn } from './support/pages';
import { importCsv, orgWithAdmin } from './support/roster';

interface ListAnswer {
  url: URL;
  items: { email: string }[];
  next_cursor: string | null;
}

/** A page of the member list as the list asks for it (limit 25; the tab counts ask for 200). */
const isListPage = (url: URL) => /\/v1\/orgs\/[^/]+\/members$/.test(url.pathname) && url.searchParams.get('limit') === '25';

/** Every page of the member list the console is answered, in order. */
function recordListAnswers(page: Page): ListAnswer[] {
  const answers: ListAnswer[] = [];
  page.on('response', async (response) => {
    const url = new URL(response.url());
    if (!isListPage(url) || !response.ok()) return;
    answers.push({ url, ...((await response.json()) as Omit<ListAnswer, 'url'>) });
  });
  return answers;
}

/** A made-up member for answers the test writes itself. */
const fakeMember = (email: string) => ({
  id: '01J0000000000000000000NEED',
  org_id: '01J0000000000000000000ORG0',
  email,
  first_name: 'Nee',
  last_name: 'Dle',
  phone: null,
  position: null,
  job_id: null,
  location: null,
  license_end: null,
  role: 'member',
  kind: 'full',
  status: 'licensed',
  department_id: null,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
  version: 1,
});

test('a search finds a member further on than one page of the list reads, and never says "Nobody matches" on the way', async ({ page }) => {
  test.setTimeout(120_000);
  const { org, adminEmail, token } = await orgWithAdmin('Search Hospital');
  // More invited members than a page of a filtered list reads (1,000), all sorting before the one searched for.
  const tag = Date.now().toString(36);
  const wanted = `zed.${tag}@example.test`;
  const rows = ['email,first_name,last_name,phone,department,position,role'];
  for (let i = 0; i < 1_050; i++) rows.push(`a${String(i).padStart(4, '0')}.${tag}@example.test,Ann,Many,,,,member`);
  rows.push(`${wanted},Zed,Last,,,,member`);
  await importCsv(org.id, token, rows.join('\n'));

  const answers = recordListAnswers(page);
  await signIn(page, adminEmail);
  await page.getByRole('tab', { name: /Unlicensed/ }).click();
  await expect(page.locator('tr[data-email]').first()).toBeVisible();
  await page.getByLabel('Search').fill(wanted);
  await expect(page.locator(`tr[data-email="${wanted}"]`)).toBeVisible({ timeout: 15_000 });
  await expect(page.getByText('Nobody matches this search.')).toHaveCount(0);

  // Every empty answer that carried a cursor was followed by a request from that cursor.
  const searched = () => answers.filter((a) => a.url.searchParams.get('q') === wanted);
  await expect.poll(() => searched().at(-1)?.items.map((m) => m.email)).toEqual([wanted]);
  for (const answer of searched().filter((a) => a.items.length === 0 && a.next_cursor)) {
    expect(searched().some((a) => a.url.searchParams.get('cursor') === answer.next_cursor)).toBe(true);
  }
  expect(searched().length).toBeLessThanOrEqual(11);

  // A search that matches no one is read to its end before saying so.
  const nobody = `nobody.${tag}@example.test`;
  await page.getByLabel('Search').fill(nobody);
  await expect(page.getByText('Nobody matches this search.')).toBeVisible({ timeout: 15_000 });
  await expect.poll(() => answers.filter((a) => a.url.searchParams.get('q') === nobody).at(-1)?.next_cursor).toBeNull();
});

test('a search reads at most 11 pages per action, then offers to search further', async ({ page }) => {
  const { adminEmail } = await orgWithAdmin('Endless Clinic');
  // The answers for this search are made up: pages that read no one but go on, up to page
  // 30, then the match (page 31), then the end.
  const asked: (string | null)[] = [];
  await page.route(
    (url) => isListPage(url) && url.searchParams.get('q') === 'needle',
    async (route, request) => {
      const cursor = new URL(request.url()).searchParams.get('cursor');
      asked.push(cursor);
      const index = cursor ? Number(cursor.slice(1)) : 0;
      await route.fulfill({ json: { items: index === 30 ? [fakeMember('needle@example.test')] : [], next_cursor: index < 30 ? `c${index + 1}` : null } });
    },
  );

  await signIn(page, adminEmail);
  await expect(page.getByRole('heading', { name: 'Members' })).toBeVisible();
  await page.getByLabel('Search').fill('needle');
  const further = page.getByTestId('search-further');
  await expect(further).toContainText('No matches yet: the search has read part of the list, not all of it.');
  await expect(further.getByRole('button', { name: 'Search further' })).toBeEnabled();
  expect(asked).toEqual([null, ...Array.from({ length: 10 }, (_, i) => `c${i + 1}`)]);
  await expect(page.getByText('Nobody matches this search.')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Next page' })).toHaveCount(0);

  await further.getByRole('button', { name: 'Search further' }).click();
  await expect.poll(() => asked.length).toBe(22);
  await expect(further.getByRole('button', { name: 'Search further' })).toBeEnabled();
  expect(asked.slice(11)).toEqual(Array.from({ length: 11 }, (_, i) => `c${i + 11}`));
  await expect(page.getByText('Nobody matches this search.')).toHaveCount(0);

  await further.getByRole('button', { name: 'Search further' }).click();
  await expect(page.locator('tr[data-email="needle@example.test"]')).toBeVisible();
  expect(asked).toHaveLength(31);
  await expect(page.getByTestId('search-further')).toHaveCount(0);
  await expect(page.getByText('Nobody matches this search.')).toHaveCount(0);
});

test('a search says "Nobody matches" only once an answer carries no cursor', async ({ page }) => {
  const { adminEmail } = await orgWithAdmin('Short Clinic');
  let requests = 0;
  await page.route(
    (url) => isListPage(url) && url.searchParams.get('q') === 'ghost',
    async (route) => {
      requests += 1;
      await route.fulfill({ json: { items: [], next_cursor: requests < 4 ? `c${requests}` : null } });
    },
  );
  await signIn(page, adminEmail);
  await expect(page.getByRole('heading', { name: 'Members' })).toBeVisible();
  await page.getByLabel('Search').fill('ghost');
  await expect(page.getByText('Nobody matches this search.')).toBeVisible();
  expect(requests).toBe(4);
});
