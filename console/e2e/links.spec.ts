import { expect, test } from '@playwright/test';
import { screen } from './support/pages';
import { acceptInvitation, advanceClock, api, latestLink, orgWithAdmin, uniqueEmail } from './support/roster';

async function invite(orgId: string, token: string) {
  const email = uniqueEmail('link');
  const member = await api<{ id: string }>('POST', `/v1/orgs/${orgId}/invitations`, { token, body: { email, role: 'member' } });
  return { id: member.id, email, link: await latestLink(email) };
}

test('used, replaced, revoked and unknown invitation links each say what happened and what to do', async ({ page }) => {
  const { org, token } = await orgWithAdmin('Links Clinic');

  const used = await invite(org.id, token);
  await acceptInvitation(used.link.token, { first_name: 'Uma', last_name: 'Used' });
  await page.goto(used.link.path);
  await expect(page.getByRole('heading', { name: 'This invitation has already been used' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Sign in' })).toBeVisible();

  const resent = await invite(org.id, token);
  await api('POST', `/v1/orgs/${org.id}/members/${resent.id}/reinvite`, { token });
  await page.goto(resent.link.path);
  await expect(page.getByRole('heading', { name: 'This invitation was replaced by a newer one' })).toBeVisible();
  await expect(page.getByText('ask your admin to send a new invitation')).toBeVisible();

  const revoked = await invite(org.id, token);
  await api('DELETE', `/v1/orgs/${org.id}/members/${revoked.id}/invitation`, { token });
  await page.goto(revoked.link.path);
  await expect(page.getByRole('heading', { name: /This invitation (was withdrawn|link is not valid)/ })).toBeVisible();
  await expect(page.getByText(/ask your admin to send a new invitation/)).toBeVisible();

  await page.goto('/invite/not-a-real-token');
  await expect(page.getByRole('heading', { name: 'This invitation link is not valid' })).toBeVisible();
  await expect(page.getByText('ask your admin to send a new invitation')).toBeVisible();
  await screen(page, 'invite-unknown');
});

test('an expired invitation link says so once the test clock passes its expiry', async ({ page }) => {
  const { org, token } = await orgWithAdmin('Expiry Clinic');
  const late = await invite(org.id, token);
  await advanceClock(8 * 86_400);
  await page.goto(late.link.path);
  await expect(page.getByRole('heading', { name: 'This invitation has expired' })).toBeVisible();
  await expect(page.getByText('Invitation links work for a limited time. Ask your admin to send a new invitation.')).toBeVisible();
  await screen(page, 'invite-expired');
});
