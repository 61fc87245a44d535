import { describe, expect, it } from 'vitest';
import { joinCsvPages, nextCursor } from './links';

describe('nextCursor', () => {
  it('reads the cursor of the next link', () => {
    expect(nextCursor('</v1/orgs/o1/members/export.csv?cursor=abc_-1&department=d2>; rel="next"')).toBe('abc_-1');
  });
  it('ignores other relations and answers nothing without a link', () => {
    expect(nextCursor('</x?cursor=a>; rel="prev"')).toBeUndefined();
    expect(nextCursor(null)).toBeUndefined();
    expect(nextCursor('')).toBeUndefined();
  });
});

describe('joinCsvPages', () => {
  it('keeps the header row of the first page only', () => {
    expect(joinCsvPages(['id,email\n1,a@x\n', 'id,email\n2,"b\nc"\n'])).toBe('id,email\n1,a@x\n2,"b\nc"\n');
  });
});
