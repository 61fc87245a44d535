import { Link } from '../../components/Link';
import { useResource } from '../../hooks/useResource';
import { PublicLayout } from '../PublicLayout';
import { ConfirmationFailed } from './ConfirmationFailed';
import { confirmOnce, forgetConfirmation } from './confirmation';

/** After the confirmation: the new email, and the way to sign in with it (filled in). */
function Confirmed({ email }: { email: string }) {
  const signIn = `/sign-in?${new URLSearchParams({ email })}`;
  return (
    <section class="card narrow" aria-labelledby="confirmed-title" data-testid="email-confirmed">
      <p class="eyebrow">Email change</p>
      <h1 id="confirmed-title">Your new email is confirmed</h1>
      <p role="status">
        Your email is now <strong>{email}</strong>. Sign in with it.
      </p>
      <p>
        <Link href={signIn} class="button-primary">
          Sign in
        </Link>
      </p>
    </section>
  );
}

/** `/confirm-email/{token}`: the page the link sent to a new email address leads to. */
export function ConfirmEmailPage({ token }: { token: string }) {
  const confirmation = useResource(() => confirmOnce(token), [token]);
  const retry = () => {
    forgetConfirmation(token);
    confirmation.reload();
  };
  let content;
  if (confirmation.state === 'ready') content = <Confirmed email={confirmation.data.email} />;
  else if (confirmation.state === 'error') content = <ConfirmationFailed problem={confirmation.problem} onRetry={retry} />;
  else {
    content = (
      <p class="loading" role="status">
        <span class="spinner" aria-hidden="true" /> Confirming your new email…
      </p>
    );
  }
  return <PublicLayout>{content}</PublicLayout>;
}
