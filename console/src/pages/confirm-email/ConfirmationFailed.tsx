import type { Problem } from '../../api/problem';
import { Link } from '../../components/Link';
import { confirmationFailure } from './confirmation';

/** Why a confirmation link did not change the email, and what to do next. */
export function ConfirmationFailed({ problem, onRetry }: { problem: Problem; onRetry: () => void }) {
  const failure = confirmationFailure(problem);
  return (
    <section class="card narrow" aria-labelledby="confirm-failed-title" data-testid="email-not-confirmed">
      <p class="eyebrow">Email change</p>
      <h1 id="confirm-failed-title">{failure.title}</h1>
      <p role="alert">{failure.text}</p>
      {failure.next === 'sign_in' && (
        <p>
          <Link href="/sign-in" class="button-primary">
            Sign in
          </Link>
        </p>
      )}
      {failure.next === 'profile' && (
        <p>
          <Link href="/profile" class="button-primary">
            Open my profile
          </Link>
        </p>
      )}
      {failure.next === 'retry' && (
        <p>
          <button type="button" class="button-primary" onClick={onRetry}>
            Try again
          </button>
        </p>
      )}
    </section>
  );
}
