import { describe, expect, it } from 'vitest';
import { describeEmailChange, emailChangeOutcome, isNewEmail, normalizeEmail } from './emailChange';

describe('isNewEmail', () => {
  it('compares as the API does: trimmed and case-insensitive', () => {
    expect(normalizeEmail('  Ada@Example.TEST ')).toBe('ada@example.test');
    expect(isNewEmail('ada@example.test', ' ADA@example.test ')).toBe(false);
    expect(isNewEmail('ada@example.test', '   ')).toBe(false);
    expect(isNewEmail('ada@example.test', 'ada.new@example.test')).toBe(true);
  });
});

describe('emailChangeOutcome', () => {
  it('reads a member answered with the new email as changed at once (what the API does today)', () => {
    const outcome = emailChangeOutcome(' Ada.New@Example.test', 'ada@example.test', { email: 'ada.new@example.test' });
    expect(outcome).toEqual({ kind: 'changed', email: 'ada.new@example.test' });
    expect(describeEmailChange(outcome)).toBe('Your email is now ada.new@example.test. Sign in with it from now on.');
  });

  it('reads a member still answered with the old email as waiting for the confirmation link', () => {
    const outcome = emailChangeOutcome('ada.new@example.test', 'ada@example.test', { email: 'ada@example.test' });
    expect(outcome).toEqual({ kind: 'confirmation_sent', requested: 'ada.new@example.test', current: 'ada@example.test' });
    expect(describeEmailChange(outcome)).toBe(
      'We sent a confirmation link to ada.new@example.test. Your email changes once you open it; until then, sign in with ada@example.test.',
    );
  });

  it('reads an answer without a member (e.g. 202) as waiting too', () => {
    expect(emailChangeOutcome('ada.new@example.test', 'ada@example.test', undefined)).toEqual({
      kind: 'confirmation_sent',
      requested: 'ada.new@example.test',
      current: 'ada@example.test',
    });
  });
});
