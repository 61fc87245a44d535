// Browser helpers: signing in, and a screenshot of each screen at both widths with an
// accessibility check (axe-core: no serious or critical violations).
import { expect, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { emailsTo, latestSignInCode, PASSWORD } from './roster';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const WIDTHS = [375, 1280];

export async function signIn(page: Page, email: string, password = PASSWORD) {
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** Asks for a sign-in code on the sign-in page; answers the code, read from the email it sent. */
export async function requestSignInCode(page: Page, email: string): Promise<string> {
  const before = emailsTo(email).length;
  await page.goto('/sign-in');
  await page.getByRole('button', { name: 'Email me a code' }).click();
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Send the code' }).click();
  await expect(page.getByText(`If ${email} has an account that can sign in with a code`)).toBeVisible();
  return latestSignInCode(email, before);
}

/** Signs in with a code emailed to `email`, through the sign-in page. */
export async function signInWithCode(page: Page, email: string) {
  const code = await requestSignInCode(page, email);
  await page.getByLabel('Sign-in code').fill(code);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** Checks the page with axe-core and saves it at 375 px and 1280 px as e2e-artifacts/screens/<name>-<width>.png. */
export async function screen(page: Page, name: string) {
  await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  expect(violations, `accessibility of ${name}`).toEqual([]);
  const original = page.viewportSize();
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: `e2e-artifacts/screens/${name}-${width}.png`, fullPage: true });
  }
  if (original) await page.setViewportSize(original);
}
