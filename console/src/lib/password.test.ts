import { describe, expect, it } from 'vitest';
import { passwordStrength } from './password';

describe('passwordStrength', () => {
  it('refuses what the API refuses: under 10 or over 128 characters', () => {
    expect(passwordStrength('')).toEqual({ score: 0, label: 'Use at least 10 characters.' });
    expect(passwordStrength('abcdefghi')).toEqual({ score: 0, label: 'Too short: 1 more character needed.' });
    expect(passwordStrength('x'.repeat(129)).score).toBe(0);
  });

  it('grades accepted passwords by length and variety', () => {
    expect(passwordStrength('aaaaaaaaaaaa').score).toBe(1);
    expect(passwordStrength('abcdefghij').score).toBe(1);
    expect(passwordStrength('abcdefgh12').score).toBe(2);
    expect(passwordStrength('Tr0ub4dor&3x').score).toBe(3);
    expect(passwordStrength('correct horse battery staple').score).toBe(3);
  });
});
