import { expect, test, type Page } from '@playwright/test';
import { requestSignInCode, screen, signIn, signInWithCode } from './support/pages';
import {
  acceptInvitation,
  advanceClock,
  api,
  emailsTo,
  latestLink,
  latestSignInCode,
  licensedMember,
  login,
  orgWithAdmin,
  setLoginMethods,
  signInByCode,
  uniqueEmail,
  type Org,
} from './support/roster';

const INVALID_CODE = 'That code is not right, or it has expired or was already used. Check the latest email, or ask for a new code.';
const NO_ADMIN_CAN_SIGN_IN =
  'This would leave no organization admin able to sign in: every org admin needs a way in (a one-time code by email, or a password they have set). Keep such a method, or give an org admin one first.';

/** What the page says once a code was asked for, whatever the address. */
const sentWords = (email: string) =>
  `If ${email} has an account that can sign in with a code, we have emailed it a 6-digit code. It works for 10 minutes.`;

/** Orgs that allow codes, each with the same person as a licensed member, oldest first. */
async function personInOrgs(names: string[]): Promise<{ email: string; orgs: Org[] }> {
  const email = uniqueEmail('pat');
  const orgs: Org[] = [];
  for (const name of names) {
    const { org, token } = await orgWithAdmin(name);
    await setLoginMethods(org.id, token);
    const before = emailsTo(email).length;
    await api('POST', `/v1/orgs/${org.id}/invitations`, { token, body: { email, role: 'member' } });
    await acceptInvitation((await latestLink(email, 'invite', before)).token, { first_name: 'Pat', last_name: 'Many' });
    orgs.push(org);
  }
  return { email, orgs };
}

const accountRow = (page: Page, org: Org) => page.locator('.account', { has: page.locator('.account-org', { hasText: org.name }) });

test('an org admin allows codes in the settings, and a member signs in with the code the email carried', async ({ page }) => {
  const { org, adminEmail, token } = await orgWithAdmin('Code Clinic');
  const member = await licensedMember(org.id, token, { first_name: 'Cody', last_name: 'Code' });

  await signIn(page, adminEmail);
  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByLabel('Single sign-on (SSO)')).toBeDisabled();
  await expect(page.getByText('Set up single sign-on below, and test it, to allow it.')).toBeVisible();
  await expect(page.getByLabel('Password', { exact: true })).toBeChecked();
  await page.getByLabel('One-time code by email').check();
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('Settings saved.')).toBeVisible();
  await expect(page.getByLabel('One-time code by email')).toBeChecked();
  await page.getByRole('button', { name: 'Sign out' }).click();

  const code = await requestSignInCode(page, member.email);
  await expect(page.getByRole('status').filter({ hasText: 'we have emailed it' })).toHaveText(sentWords(member.email));
  await expect(page.getByLabel('Sign-in code')).toBeFocused();
  await screen(page, 'sign-in-code');
  await page.getByLabel('Sign-in code').fill(`${code.slice(0, 3)} ${code.slice(3)}`);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'My profile' })).toBeVisible();
  await expect(page.locator('.org-name')).toHaveText('Code Clinic');
  // One account: no switcher in the header.
  await expect(page.getByRole('link', { name: 'Accounts' })).toHaveCount(0);
  await page.getByRole('button', { name: 'Sign out' }).click();

  // An address without an account reads the same words, and no email is sent to it.
  const stranger = uniqueEmail('nobody');
  await page.getByRole('button', { name: 'Email me a code' }).click();
  await page.getByLabel('Email').fill(stranger);
  await page.getByRole('button', { name: 'Send the code' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'we have emailed it' })).toHaveText(sentWords(stranger));
  await page.waitForTimeout(1_000);
  expect(emailsTo(stranger)).toEqual([]);
});

test('a wrong code is refused in words, the right one still works, and too many codes say how long to wait', async ({ page }) => {
  const { org, token } = await orgWithAdmin('Typo Clinic');
  await setLoginMethods(org.id, token);
  const member = await licensedMember(org.id, token, { first_name: 'Wren', last_name: 'Wrong' });

  const code = await requestSignInCode(page, member.email);
  const wrong = `${(Number(code[0]) + 1) % 10}${code.slice(1)}`;
  await page.getByLabel('Sign-in code').fill('12345');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.locator('#code-digits-error')).toHaveText('Enter the 6 digits from the email.');
  await page.getByLabel('Sign-in code').fill(wrong);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('alert')).toHaveText(INVALID_CODE);
  await screen(page, 'sign-in-code-wrong');
  await page.getByLabel('Sign-in code').fill(code);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'My profile' })).toBeVisible();
  await page.getByRole('button', { name: 'Sign out' }).click();

  // A used code is refused like a wrong one.
  await expect(api('POST', '/v1/auth/otp/verify', { body: { email: member.email, code } })).rejects.toThrow(/401.*invalid_code/);

  await page.getByRole('button', { name: 'Email me a code' }).click();
  const again = uniqueEmail('busy');
  // 5 codes an hour per address: the sixth is refused, with how long to wait.
  for (let i = 0; i < 5; i++) await api('POST', '/v1/auth/otp', { body: { email: again } });
  await page.getByLabel('Email').fill(again);
  await page.getByRole('button', { name: 'Send the code' }).click();
  await expect(page.getByRole('alert')).toHaveText(/^Too many attempts in a short time\. Try again in (a minute|\d+ minutes)\.$/);
});

test('one code signs in to the accounts of an email in three orgs: switch, sign out of one, then of all', async ({ page }) => {
  const { email, orgs } = await personInOrgs(['North Ward', 'South Ward', 'East Ward']);
  const [north, south, east] = orgs;

  await signInWithCode(page, email);
  await expect(page.getByRole('heading', { name: 'Your accounts' })).toBeVisible();
  await expect(page).toHaveURL(/\/accounts\?welcome=code$/);
  await expect(page.getByText('Your code signed you in to 3 accounts. You are using the one in North Ward')).toBeVisible();
  await expect(page.locator('.account')).toHaveCount(3);
  await expect(page.locator('.account-org')).toHaveText(['North WardCurrent account', 'South Ward', 'East Ward']);
  for (const org of orgs) await expect(accountRow(page, org)).toContainText(`Member · ${email}`);
  await expect(accountRow(page, north)).toHaveAttribute('aria-current', 'true');
  await expect(page.locator('.org-name')).toHaveText('North Ward');
  await screen(page, 'accounts');

  await page.getByRole('button', { name: 'Switch to South Ward' }).click();
  await expect(page.getByRole('heading', { name: 'My profile' })).toBeVisible();
  await expect(page.locator('.org-name')).toHaveText('South Ward');
  const southMe = await page.evaluate(() => JSON.parse(sessionStorage.getItem('roster.accounts')!).active as string);
  expect(southMe.startsWith(`${south.id}/`)).toBe(true);

  // Each account renews its own session: once the access tokens have expired (15 minutes),
  // switching to another account still works without signing in again.
  await advanceClock(20 * 60);
  await page.getByRole('link', { name: 'Accounts' }).click();
  await expect(accountRow(page, south)).toHaveAttribute('aria-current', 'true');
  await page.getByRole('button', { name: 'Switch to East Ward' }).click();
  await expect(page.locator('.org-name')).toHaveText('East Ward');
  await expect(page.getByRole('heading', { name: 'My profile' })).toBeVisible();
  await expect(page.getByLabel('First name')).toHaveValue('Pat');

  await page.getByRole('link', { name: 'Accounts' }).click();
  await page.getByRole('button', { name: 'Sign out of North Ward' }).click();
  await expect(page.getByText('You signed out of your account in North Ward.')).toBeVisible();
  await expect(page.locator('.account')).toHaveCount(2);
  await expect(accountRow(page, east)).toHaveAttribute('aria-current', 'true');
  await expect(accountRow(page, north)).toHaveCount(0);

  await page.getByRole('button', { name: 'Sign out of all accounts' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in to Roster' })).toBeVisible();
  await expect(page.getByText('You have signed out.')).toBeVisible();
  expect(await page.evaluate(() => sessionStorage.getItem('roster.accounts'))).toBeNull();
});

test('the account switcher works at phone width', async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 812 });
  const { email, orgs } = await personInOrgs(['Harbour Medical Centre of the Northern Coast', 'Hill Clinic']);
  const [harbour, hill] = orgs;

  await signInWithCode(page, email);
  await expect(page.getByRole('heading', { name: 'Your accounts' })).toBeVisible();
  // Nothing wider than the screen: no sideways scrolling.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  const switchButton = page.getByRole('button', { name: `Switch to ${hill.name}` });
  await expect(switchButton).toBeInViewport();
  const box = (await switchButton.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(375);
  expect(box.height).toBeGreaterThanOrEqual(32);
  await expect(accountRow(page, harbour)).toContainText('Current account');
  await screen(page, 'accounts-phone');

  await switchButton.click();
  await expect(page.locator('.org-name')).toHaveText(hill.name);
  await page.getByRole('link', { name: 'Accounts' }).click();
  await expect(accountRow(page, hill)).toHaveAttribute('aria-current', 'true');
  await page.getByRole('button', { name: `Sign out of ${hill.name}` }).click();
  // The account in use was signed out of: the console carries on as the one left.
  await expect(page.getByText(`You signed out of your account in ${hill.name}.`)).toBeVisible();
  await expect(page.locator('.account')).toHaveCount(1);
  await expect(accountRow(page, harbour)).toHaveAttribute('aria-current', 'true');
  await expect(page.locator('.org-name')).toHaveText(harbour.name);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
});

test('sign-in methods: an org that keeps no way in for its only org admin is refused, in the settings and on a member', async ({ page }) => {
  const first = await orgWithAdmin('Codes Only Clinic');
  const org = first.org;
  await setLoginMethods(org.id, first.token, ['email_otp']);
  // A second org admin, invited where codes are the only way in: no password.
  const bea = uniqueEmail('bea');
  const invited = await api<{ id: string }>('POST', `/v1/orgs/${org.id}/invitations`, { token: first.token, body: { email: bea, role: 'org_admin' } });
  await api('POST', `/v1/invitations/${(await latestLink(bea)).token}/accept`, {
    body: { first_name: 'Bea', last_name: 'Codes', phone: '+1 555 010 0101', eula_accepted: true },
  });
  const [beaAccount] = await signInByCode(bea);
  // The first admin steps down to member: Bea is the only org admin, and has no password.
  const ada = await api<{ items: { id: string; email: string }[] }>('GET', `/v1/orgs/${org.id}/members?tab=licensed&q=${encodeURIComponent(first.adminEmail)}`, {
    token: beaAccount.access_token,
  });
  const adaId = ada.items.find((m) => m.email === first.adminEmail)!.id;
  await api('PATCH', `/v1/orgs/${org.id}/members/${adaId}`, { token: beaAccount.access_token, body: { role: 'member' } });

  // A password sign-in where the org allows only codes says so, and where to go instead.
  await signIn(page, first.adminEmail);
  await expect(page.getByRole('alert')).toHaveText(
    'Your organization does not allow signing in with a password for this account. Choose “Email me a code” or “Sign in with single sign-on” below instead, or ask your admin.',
  );

  await signInWithCode(page, bea);
  await expect(page.getByRole('heading', { name: 'Members' })).toBeVisible();
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByLabel('One-time code by email').uncheck();
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.locator('#settings-methods-error')).toHaveText('Allow at least one way to sign in.');
  await page.getByLabel('Password', { exact: true }).check();
  await expect(page.getByText('You signed in with a code. Without codes, your session ends')).toBeVisible();
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByRole('alert')).toHaveText(NO_ADMIN_CAN_SIGN_IN);
  await screen(page, 'settings-sign-in-methods');

  // Bea, the only org admin, may not take away her own way in.
  await page.goto(`/members/${invited.id}`);
  const own = page.getByRole('group', { name: 'How Bea Codes signs in' });
  await expect(own.getByLabel('Follow the organization')).toBeChecked();
  await own.getByLabel('Only these ways, for this member').check();
  await own.getByLabel('One-time code by email').uncheck();
  await page.getByRole('button', { name: 'Save sign-in methods' }).click();
  await expect(page.locator('#member-methods-error')).toHaveText('Allow at least one way to sign in.');
  await own.getByLabel('Password').check();
  await page.getByRole('button', { name: 'Save sign-in methods' }).click();
  await expect(page.getByRole('alert')).toHaveText(NO_ADMIN_CAN_SIGN_IN);

  // On a member: Ada (now a member, with a password) may use her password, though the org allows only codes.
  await page.goto(`/members/${adaId}`);
  const methods = page.getByRole('group', { name: 'How Ada Admin signs in' });
  await expect(methods.getByLabel('Follow the organization')).toBeChecked();
  await expect(methods.getByLabel('Password')).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Save sign-in methods' })).toBeDisabled();
  await methods.getByLabel('Only these ways, for this member').check();
  await methods.getByLabel('One-time code by email').uncheck();
  await methods.getByLabel('Password').check();
  await page.getByRole('button', { name: 'Save sign-in methods' }).click();
  await expect(page.getByText('Ada Admin may now sign in with: Password.')).toBeVisible();
  await expect(page.getByTestId('member-methods-now')).toHaveText(
    'Ada Admin may sign in only with: Password (the organization allows One-time code by email).',
  );
  await expect(page.getByText('Sign-in methods changed').first()).toBeVisible();
  await screen(page, 'member-sign-in-methods');
  expect(await login(first.adminEmail)).toBeTruthy();

  // Back to following the org: her password no longer signs her in.
  await methods.getByLabel('Follow the organization').check();
  await page.getByRole('button', { name: 'Save sign-in methods' }).click();
  await expect(page.getByText('Ada Admin now signs in the ways the organization allows.')).toBeVisible();
  await expect(login(first.adminEmail)).rejects.toThrow(/login_method_not_allowed/);
});

test('someone invited where codes are the only way in registers without a password and goes on to the code sign-in', async ({ page }) => {
  const { org, token } = await orgWithAdmin('Codes Only Surgery');
  await setLoginMethods(org.id, token, ['email_otp']);
  const email = uniqueEmail('cam');
  await api('POST', `/v1/orgs/${org.id}/invitations`, { token, body: { email, role: 'member', first_name: 'Cam', last_name: 'Code' } });

  await page.goto((await latestLink(email)).path);
  await expect(page.getByLabel('Password')).toHaveCount(0);
  await page.getByLabel('Mobile number').fill('+1 555 010 0142');
  await page.getByLabel(/I accept the end-user license agreement/).check();
  await page.getByRole('button', { name: 'Create account' }).click();

  await expect(page.getByRole('heading', { name: 'Sign in with a code' })).toBeVisible();
  await expect(page.getByText('Your account is ready. Sign in with a code we email you.')).toBeVisible();
  await expect(page.getByLabel('Email')).toHaveValue(email);
  const before = emailsTo(email).length;
  await page.getByRole('button', { name: 'Send the code' }).click();
  await page.getByLabel('Sign-in code').fill(await latestSignInCode(email, before));
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'My profile' })).toBeVisible();
  await expect(page.locator('.org-name')).toHaveText('Codes Only Surgery');
});

test('when an org takes codes away, its account is let go at its next renewal, alone, and the page says why', async ({ page }) => {
  const email = uniqueEmail('lee');
  const orgs: { org: Org; token: string; adminEmail: string }[] = [];
  for (const name of ['Lakeside Clinic', 'Ridge Clinic']) {
    const { org, token, adminEmail } = await orgWithAdmin(name);
    await setLoginMethods(org.id, token);
    const before = emailsTo(email).length;
    await api('POST', `/v1/orgs/${org.id}/invitations`, { token, body: { email, role: 'member' } });
    await acceptInvitation((await latestLink(email, 'invite', before)).token, { first_name: 'Lee', last_name: 'Left' });
    orgs.push({ org, token, adminEmail });
  }
  const [lakeside, ridge] = orgs;

  await signInWithCode(page, email);
  await expect(page.getByRole('heading', { name: 'Your accounts' })).toBeVisible();
  await setLoginMethods(lakeside.org.id, lakeside.token, ['password']);
  await advanceClock(20 * 60);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Your accounts' })).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'no longer allows' })).toHaveText(
    'Lakeside Clinic no longer allows the way you signed in to your account there, so that session ended. Sign in to it again another way.',
  );
  await expect(page.locator('.account')).toHaveCount(1);
  await expect(page.locator('.org-name')).toHaveText('Ridge Clinic');

  // (The admin's own access token has expired with the clock: a fresh one.)
  await setLoginMethods(ridge.org.id, await login(ridge.adminEmail), ['password']);
  await advanceClock(20 * 60);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Sign in to Roster' })).toBeVisible();
  await expect(page.getByText('Your organization no longer allows the way you signed in, so your session ended. Sign in again another way.')).toBeVisible();
});
