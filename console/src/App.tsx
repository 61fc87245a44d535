import { Console } from './console/Console';
import { ConfirmEmailPage } from './pages/confirm-email/ConfirmEmailPage';
import { InvitePage } from './pages/invite/InvitePage';
import { JoinPage } from './pages/join/JoinPage';
import { match, useLocation } from './router';

/** `/invite/{token}`, `/join/{code}` and `/confirm-email/{token}` are public pages; everything else is the console. */
export function App() {
  const { path } = useLocation();
  const invite = match('/invite/:token', path);
  if (invite) return <InvitePage key={invite.token} token={invite.token} />;
  const join = match('/join/:code', path);
  if (join) return <JoinPage key={join.code} code={join.code} />;
  const confirmation = match('/confirm-email/:token', path);
  if (confirmation) return <ConfirmEmailPage key={confirmation.token} token={confirmation.token} />;
  return <Console />;
}
