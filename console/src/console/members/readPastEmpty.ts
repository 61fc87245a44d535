// A filtered member list (a search or a department) reads a bounded number of members a
// page, so it may answer an EMPTY page that still carries a cursor: the matches, if any, are
// further on. The console reads on past such pages by itself, a bounded number of times per
// thing the admin does, and says "Nobody matches" only when the list has nothing more to read.

export interface ListPage<T> {
  items: T[];
  next_cursor: string | null;
}

/** How many pages one action of the admin reads past empty ones before asking to go on. */
export const MAX_EXTRA_READS = 10;

/** One page as the console shows it: the first page with members, or where reading stopped. */
export interface Read<T> extends ListPage<T> {
  /** How many pages were requested for it (1 to 1 + MAX_EXTRA_READS). */
  requests: number;
}

/**
 * Reads the page `cursor` opens (the first one when undefined), and while it is empty and
 * carries a cursor, the next one, at most `maxExtra` more times (or until `cancelled`). The
 * answer is empty with a cursor only when it stopped early: the admin may read further from it.
 */
export async function readPastEmpty<T>(
  fetchPage: (cursor: string | undefined) => Promise<ListPage<T>>,
  cursor: string | undefined,
  options: { maxExtra?: number; cancelled?: () => boolean } = {},
): Promise<Read<T>> {
  const maxExtra = options.maxExtra ?? MAX_EXTRA_READS;
  let page = await fetchPage(cursor);
  let requests = 1;
  while (page.items.length === 0 && page.next_cursor && requests <= maxExtra && !options.cancelled?.()) {
    page = await fetchPage(page.next_cursor);
    requests += 1;
  }
  return { items: page.items, next_cursor: page.next_cursor ?? null, requests };
}

/**
 * What the list area says about a page read with `readPastEmpty`:
 * - `members`: the table;
 * - `not-found-yet`: nothing so far, but the list goes on (offer to search further; never
 *   "Nobody matches");
 * - `nobody-matches` / `no-more-matches`: a filtered list read to its end, from its first page
 *   or from a later one;
 * - `empty-tab` / `no-more-members`: the same for an unfiltered tab.
 */
export type ListOutcome = 'members' | 'not-found-yet' | 'nobody-matches' | 'no-more-matches' | 'empty-tab' | 'no-more-members';

export function listOutcome(page: ListPage<unknown>, filtered: boolean, pageIndex: number): ListOutcome {
  if (page.items.length > 0) return 'members';
  if (page.next_cursor) return 'not-found-yet';
  if (filtered) return pageIndex === 0 ? 'nobody-matches' : 'no-more-matches';
  return pageIndex === 0 ? 'empty-tab' : 'no-more-members';
}
