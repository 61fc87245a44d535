import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import type { Member } from '../../api/types';
import { Loading } from '../../components/Notice';
import { useResource } from '../../hooks/useResource';
import { PublicLayout } from '../PublicLayout';
import { AcceptForm } from './AcceptForm';
import { Accepted } from './Accepted';
import { InvitationGone } from './InvitationGone';

/** `/invite/{token}`: the page an invitation email links to. */
export function InvitePage({ token }: { token: string }) {
  const invitation = useResource(() => call(api.GET('/v1/invitations/{token}', { params: { path: { token } } })), [token]);
  const [accepted, setAccepted] = useState<Member | null>(null);
  let content;
  if (accepted && invitation.data) content = <Accepted member={accepted} invitation={invitation.data} />;
  else if (invitation.state === 'loading') content = <Loading what="your invitation" />;
  else if (invitation.state === 'error') content = <InvitationGone problem={invitation.problem} />;
  else content = <AcceptForm token={token} invitation={invitation.data} onAccepted={setAccepted} />;
  return <PublicLayout>{content}</PublicLayout>;
}
