import type { Problem } from '../../api/problem';
import { describeProblem } from '../../errors/messages';
import { Link } from '../../components/Link';

const TITLES: Record<string, string> = {
  invitation_expired: 'This invitation has expired',
  invitation_used: 'This invitation has already been used',
  invitation_superseded: 'This invitation was replaced by a newer one',
  invitation_revoked: 'This invitation was withdrawn',
  not_found: 'This invitation link is not valid',
};

const WHAT_TO_DO: Record<string, string> = {
  invitation_expired: 'Invitation links work for a limited time. Ask your admin to send a new invitation.',
  invitation_used: 'If you accepted it, sign in with your email. Otherwise ask your admin to send a new invitation.',
  invitation_superseded: 'Open the link in the most recent invitation email, or ask your admin to send a new invitation.',
  invitation_revoked: 'Your admin withdrew it. If you still need access, ask your admin to send a new invitation.',
  not_found: 'Check that you copied the whole link from the email. If it still does not work, ask your admin to send a new invitation.',
};

/** What happened to an invitation link that can't be used, and what to do next. */
export function InvitationGone({ problem }: { problem: Problem }) {
  const code = problem.status === 404 ? 'not_found' : problem.code;
  const title = TITLES[code];
  if (!title) {
    return (
      <section class="card narrow" aria-labelledby="gone-title">
        <h1 id="gone-title">This invitation can't be opened right now</h1>
        <p role="alert">{describeProblem(problem)}</p>
      </section>
    );
  }
  return (
    <section class="card narrow" aria-labelledby="gone-title" data-testid={`gone-${code}`}>
      <h1 id="gone-title">{title}</h1>
      <p>{WHAT_TO_DO[code]}</p>
      {code === 'invitation_used' && (
        <p>
          <Link href="/sign-in" class="button-primary">
            Sign in
          </Link>
        </p>
      )}
    </section>
  );
}
