import { describe, expect, it } from 'vitest';
import { codeDigits } from './code';

describe('codeDigits', () => {
  it('reads six digits, with spaces or a dash between them', () => {
    expect(codeDigits('123456')).toBe('123456');
    expect(codeDigits(' 123 456 ')).toBe('123456');
    expect(codeDigits('123-456')).toBe('123456');
  });

  it('refuses anything else before it costs one of the code’s tries', () => {
    for (const typed of ['', '12345', '1234567', '12345a', 'abcdef']) expect(codeDigits(typed)).toBeNull();
  });
});
