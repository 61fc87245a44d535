import { describe, expect, it } from 'vitest';
import { listOutcome, MAX_EXTRA_READS, readPastEmpty, type ListPage } from './readPastEmpty';

/** A server whose pages are given in order: page i is opened by cursor `c${i}` (page 0 by none). */
function server(pages: string[][]) {
  const asked: (string | undefined)[] = [];
  const fetchPage = async (cursor: string | undefined): Promise<ListPage<string>> => {
    asked.push(cursor);
    const index = cursor === undefined ? 0 : Number(cursor.slice(1));
    return { items: pages[index], next_cursor: index + 1 < pages.length ? `c${index + 1}` : null };
  };
  return { asked, fetchPage };
}

const empties = (n: number) => Array.from({ length: n }, (): string[] => []);

describe('readPastEmpty', () => {
  it('answers a page with members at once', async () => {
    const { asked, fetchPage } = server([['ann'], ['bob']]);
    expect(await readPastEmpty(fetchPage, undefined)).toEqual({ items: ['ann'], next_cursor: 'c1', requests: 1 });
    expect(asked).toEqual([undefined]);
  });

  it('follows the cursor past empty pages to the first match', async () => {
    const { asked, fetchPage } = server([...empties(3), ['zoe'], ['more']]);
    expect(await readPastEmpty(fetchPage, undefined)).toEqual({ items: ['zoe'], next_cursor: 'c4', requests: 4 });
    expect(asked).toEqual([undefined, 'c1', 'c2', 'c3']);
  });

  it('starts from the cursor it is given', async () => {
    const { asked, fetchPage } = server([['a'], [], [], ['d']]);
    expect(await readPastEmpty(fetchPage, 'c1')).toEqual({ items: ['d'], next_cursor: null, requests: 3 });
    expect(asked).toEqual(['c1', 'c2', 'c3']);
  });

  it('answers an empty page without a cursor when the list ends with no match', async () => {
    const { fetchPage } = server(empties(4));
    expect(await readPastEmpty(fetchPage, undefined)).toEqual({ items: [], next_cursor: null, requests: 4 });
  });

  it(`stops after ${MAX_EXTRA_READS} extra requests, with the cursor to go on from`, async () => {
    const { asked, fetchPage } = server([...empties(30), ['found']]);
    const first = await readPastEmpty(fetchPage, undefined);
    expect(first).toEqual({ items: [], next_cursor: `c${1 + MAX_EXTRA_READS}`, requests: 1 + MAX_EXTRA_READS });
    expect(asked).toHaveLength(1 + MAX_EXTRA_READS);

    // "Search further": another bounded read from where it stopped, and so on until found.
    const second = await readPastEmpty(fetchPage, first.next_cursor ?? undefined);
    expect(second).toEqual({ items: [], next_cursor: 'c22', requests: 11 });
    const third = await readPastEmpty(fetchPage, second.next_cursor ?? undefined);
    expect(third).toEqual({ items: ['found'], next_cursor: null, requests: 9 });
  });

  it('takes another bound', async () => {
    const { asked, fetchPage } = server(empties(10));
    expect(await readPastEmpty(fetchPage, undefined, { maxExtra: 2 })).toEqual({ items: [], next_cursor: 'c3', requests: 3 });
    expect(asked).toEqual([undefined, 'c1', 'c2']);
  });

  it('stops when the read is no longer wanted', async () => {
    const { asked, fetchPage } = server(empties(10));
    let wanted = 2;
    const read = await readPastEmpty(fetchPage, undefined, { cancelled: () => --wanted < 0 });
    expect(read.requests).toBe(3);
    expect(asked).toEqual([undefined, 'c1', 'c2']);
  });

  it('passes a failed request on', async () => {
    let calls = 0;
    const fetchPage = async (): Promise<ListPage<string>> => {
      calls += 1;
      if (calls === 3) throw new Error('unavailable');
      return { items: [], next_cursor: `c${calls}` };
    };
    await expect(readPastEmpty(fetchPage, undefined)).rejects.toThrow('unavailable');
  });
});

describe('listOutcome', () => {
  it('shows the members when the page has some, whatever else it says', () => {
    expect(listOutcome({ items: [1], next_cursor: 'c' }, true, 0)).toBe('members');
    expect(listOutcome({ items: [1], next_cursor: null }, false, 3)).toBe('members');
  });

  it('never says nobody matches while the answer carries a cursor', () => {
    expect(listOutcome({ items: [], next_cursor: 'c' }, true, 0)).toBe('not-found-yet');
    expect(listOutcome({ items: [], next_cursor: 'c' }, true, 2)).toBe('not-found-yet');
    expect(listOutcome({ items: [], next_cursor: 'c' }, false, 0)).toBe('not-found-yet');
  });

  it('says nobody matches only when the filtered list was read to its end', () => {
    expect(listOutcome({ items: [], next_cursor: null }, true, 0)).toBe('nobody-matches');
    expect(listOutcome({ items: [], next_cursor: null }, true, 1)).toBe('no-more-matches');
  });

  it('says the tab is empty when it is not filtered', () => {
    expect(listOutcome({ items: [], next_cursor: null }, false, 0)).toBe('empty-tab');
    expect(listOutcome({ items: [], next_cursor: null }, false, 1)).toBe('no-more-members');
  });
});
