import { describe, expect, it } from 'vitest';
import { endedSentence } from './words';

describe('endedSentence', () => {
  it('says which account ended and why', () => {
    expect(endedSentence({ orgName: 'North Clinic', email: 'p@x.test', reason: 'signed_out_one' })).toBe('You signed out of your account in North Clinic.');
    expect(endedSentence({ orgName: 'North Clinic', email: 'p@x.test', reason: 'expired' })).toBe(
      'Your session in North Clinic has ended. Sign in again to use that account.',
    );
    expect(endedSentence({ email: 'p@x.test', reason: 'method_removed' })).toMatch(/^An organization no longer allows the way you signed in/);
  });
});
