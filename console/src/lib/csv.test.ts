import { describe, expect, it } from 'vitest';
import { failuresCsv, toCsv } from './csv';

describe('toCsv', () => {
  it('quotes cells with commas, quotes and line breaks, and ends lines with CRLF', () => {
    expect(toCsv([['a', 'b,c'], ['say "hi"', 'two\nlines']])).toBe('a,"b,c"\r\n"say ""hi""","two\nlines"\r\n');
  });

  it('keeps a spreadsheet from reading a cell as a formula', () => {
    expect(toCsv([['=1+1', '+33', '-2', '@SUM(A1)', 'plain']])).toBe("'=1+1,'+33,'-2,'@SUM(A1),plain\r\n");
  });

  it('writes empty cells for missing values', () => {
    expect(toCsv([[null, undefined, 0]])).toBe(',,0\r\n');
  });
});

describe('failuresCsv', () => {
  it('lists each failed row with its code and the reason in words', () => {
    expect(
      failuresCsv([
        { row: 3, email: 'not-an-email', code: 'invalid_email' },
        { row: 5, email: 'ann@example.test', code: 'already_member' },
      ]),
    ).toBe(
      'row,email,code,reason\r\n' +
        '3,not-an-email,invalid_email,Not a valid email address.\r\n' +
        '5,ann@example.test,already_member,This person already has an account in the organization.\r\n',
    );
  });
});
