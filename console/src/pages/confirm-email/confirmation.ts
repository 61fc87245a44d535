// Confirming a new email from the link sent to it (`POST /v1/email-confirmations`): the
// call, made once per token, and what each failure means to the person holding the link.
import { api } from '../../api/client';
import { call, type Problem } from '../../api/problem';
import { describeProblem, PROBLEM_MESSAGES } from '../../errors/messages';

const answers = new Map<string, Promise<{ email: string }>>();

/**
 * Confirms `token` once per page load: a link works only once, so coming back to the page
 * (e.g. with the browser's Back button) shows the first answer instead of "already used".
 */
export function confirmOnce(token: string): Promise<{ email: string }> {
  let answer = answers.get(token);
  if (!answer) {
    answer = call(api.POST('/v1/email-confirmations', { body: { token } }));
    answers.set(token, answer);
  }
  return answer;
}

/** Lets `confirmOnce` ask again, after a failure worth retrying. */
export function forgetConfirmation(token: string) {
  answers.delete(token);
}

export interface ConfirmationFailure {
  title: string;
  text: string;
  /** Where to go from here: sign in, the profile (to ask for the change again), or try again. */
  next: 'sign_in' | 'profile' | 'retry' | null;
}

/** What a refused confirmation means, and what to do next. */
export function confirmationFailure(problem: Problem): ConfirmationFailure {
  if (problem.status === 404) {
    return {
      title: 'This link is not valid',
      text: 'This link is not valid any more: it may have been used already, or a newer change or a cancellation replaced it. If you opened it before, your email has changed: sign in with the new one.',
      next: 'sign_in',
    };
  }
  if (problem.code === 'confirmation_expired') return { title: 'This link has expired', text: describeProblem(problem), next: 'profile' };
  if (problem.code === 'email_taken') {
    return {
      title: 'This email is already in use',
      text: `${PROBLEM_MESSAGES.email_taken} Your email has not changed; you can choose another address from your profile.`,
      next: 'profile',
    };
  }
  if (problem.status === 400) {
    return { title: 'This link is not complete', text: 'Check that you copied the whole link from the email.', next: null };
  }
  const transient = problem.status === 0 || problem.status === 429 || problem.status >= 500;
  return { title: "Your email can't be confirmed right now", text: describeProblem(problem), next: transient ? 'retry' : null };
}
