import { describe, expect, it } from 'vitest';
import { PROBLEM_MESSAGES } from '../../errors/messages';
import { confirmationFailure } from './confirmation';

describe('confirmationFailure', () => {
  it('says an unknown or used link is not valid any more, and offers to sign in', () => {
    const failure = confirmationFailure({ status: 404, code: 'not_found' });
    expect(failure.text).toMatch(/^This link is not valid any more: it may have been used already,/);
    expect(failure.next).toBe('sign_in');
  });

  it('says an expired or replaced link is, and sends back to the profile', () => {
    expect(confirmationFailure({ status: 410, code: 'confirmation_expired' })).toEqual({
      title: 'This link has expired',
      text: PROBLEM_MESSAGES.confirmation_expired,
      next: 'profile',
    });
  });

  it('says a taken address stays with its account and the email did not change', () => {
    const failure = confirmationFailure({ status: 409, code: 'email_taken' });
    expect(failure.text).toContain(PROBLEM_MESSAGES.email_taken);
    expect(failure.text).toContain('Your email has not changed');
    expect(failure.next).toBe('profile');
  });

  it('asks for the whole link when the token is malformed', () => {
    expect(confirmationFailure({ status: 400, code: 'invalid_body' }).title).toBe('This link is not complete');
  });

  it('offers to try again only when it may work next time', () => {
    expect(confirmationFailure({ status: 0, code: 'network_error' }).next).toBe('retry');
    expect(confirmationFailure({ status: 429, code: 'rate_limited', retry_after: 60 })).toMatchObject({ next: 'retry', text: 'Too many attempts in a short time. Try again in a minute.' });
    expect(confirmationFailure({ status: 503, code: 'unavailable' }).next).toBe('retry');
    expect(confirmationFailure({ status: 403, code: 'forbidden' }).next).toBeNull();
  });
});
