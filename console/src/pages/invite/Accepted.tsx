import { useEffect } from 'preact/hooks';
import type { InvitationView, Member } from '../../api/types';
import { rememberOrg } from '../../lib/knownOrgs';
import { navigate } from '../../router';
import { WaitingForApproval } from '../WaitingForApproval';

/** After accepting: sign in with the email filled in, or wait for approval. */
export function Accepted({ member, invitation }: { member: Member; invitation: InvitationView }) {
  const orgName = invitation.org?.name ?? 'the organization';
  const canSignIn = member.status === 'licensed';
  // Without a password (the org signs in by emailed codes), the sign-in page opens on the code.
  const byCode = invitation.requires?.password === false;
  useEffect(() => {
    if (invitation.org?.id && invitation.org.name) rememberOrg({ id: invitation.org.id, name: invitation.org.name });
    if (canSignIn) {
      const query = new URLSearchParams({ email: member.email, org: member.org_id, welcome: '1', ...(byCode ? { method: 'code' } : {}) });
      navigate(`/sign-in?${query}`, { replace: true });
    }
  }, [canSignIn, byCode, member, invitation]);
  if (member.status === 'pending_approval') return <WaitingForApproval orgName={orgName} email={member.email} />;
  if (canSignIn) return null;
  return (
    <section class="card narrow" aria-labelledby="done-title">
      <h1 id="done-title">Your account is ready</h1>
      <p>You have joined {orgName} as {member.email}. Your admin will tell you when you can sign in.</p>
    </section>
  );
}
