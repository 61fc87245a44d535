import { describe, expect, it } from 'vitest';
import { describeEmailChange, describePending, emailChangeOutcome, isNewEmail, normalizeEmail } from './emailChange';

describe('isNewEmail', () => {
  it('compares as the API does: trimmed and case-insensitive', () => {
    expect(normalizeEmail('  Ada@Example.TEST ')).toBe('ada@example.test');
    expect(isNewEmail('ada@example.test', ' ADA@example.test ')).toBe(false);
    expect(isNewEmail('ada@example.test', '   ')).toBe(false);
    expect(isNewEmail('ada@example.test', 'ada.new@example.test')).toBe(true);
  });
});

describe('emailChangeOutcome', () => {
  it('reads the answer: the email unchanged, the new one waiting for its confirmation link', () => {
    const outcome = emailChangeOutcome(' Ada.New@Example.test', 'ada@example.test', {
      email: 'ada@example.test',
      pending_email: { email: 'ada.new@example.test', expires_at: '2026-12-02T03:40:48Z' },
    });
    expect(outcome).toEqual({ kind: 'confirmation_sent', requested: 'ada.new@example.test', current: 'ada@example.test' });
    expect(describeEmailChange(outcome)).toBe(
      'We sent a confirmation link to ada.new@example.test. Your email stays ada@example.test until you open it.',
    );
  });

  it('falls back on what was asked for when the answer does not name the address', () => {
    expect(emailChangeOutcome(' Ada.New@Example.test ', 'ada@example.test', undefined)).toEqual({
      kind: 'confirmation_sent',
      requested: 'ada.new@example.test',
      current: 'ada@example.test',
    });
  });

  it('words a cancelled change', () => {
    expect(describeEmailChange({ kind: 'cancelled', requested: 'ada.new@example.test', current: 'ada@example.test' })).toBe(
      'The change to ada.new@example.test is cancelled. Your email stays ada@example.test.',
    );
  });
});

describe('describePending', () => {
  it('names the address and until when its link works', () => {
    expect(describePending({ email: 'ada.new@example.test', expires_at: '2026-12-02T03:40:48Z' })).toBe(
      'Waiting for ada.new@example.test to confirm: the link we sent there works until Wednesday 2 December 2026, 03:40 UTC.',
    );
  });
});
