// One page of one tab, walked forwards and backwards with the API's opaque cursors. A
// filtered list may answer empty pages that carry a cursor: each page is read past them (see
// readPastEmpty), and where that stops early, the admin may search further from there.
import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import type { Tab } from '../../api/types';
import { useResource } from '../../hooks/useResource';
import { readPastEmpty } from './readPastEmpty';

export const PAGE_SIZE = 25;

interface Walk {
  /** The list the cursors belong to; another filter starts again at page one. */
  key: string;
  /** starts[i] opens page i + 1 (undefined: the list's beginning). */
  starts: (string | undefined)[];
  page: number;
}

export function useMemberPage(orgId: string, tab: Tab, q: string, department: string, generation: number) {
  const key = [orgId, tab, q, department].join('\n');
  const [saved, setWalk] = useState<Walk>({ key, starts: [undefined], page: 0 });
  const walk = saved.key === key ? saved : { key, starts: [undefined], page: 0 };
  const start = walk.starts[walk.page];
  const result = useResource(
    (signal) =>
      readPastEmpty(
        (cursor) =>
          call(
            api.GET('/v1/orgs/{org}/members', {
              params: {
                path: { org: orgId },
                query: { tab, limit: PAGE_SIZE, ...(q ? { q } : {}), ...(department ? { department } : {}), ...(cursor ? { cursor } : {}) },
              },
            }),
          ),
        start,
        { cancelled: () => signal.aborted },
      ),
    [key, start, generation],
  );
  const shown = result.state === 'ready' ? result.data : null;
  const nextCursor = shown?.next_cursor ?? null;
  /** The page holds members and the list goes on: the next page starts after them. */
  const hasNext = !!nextCursor && (shown?.items.length ?? 0) > 0;
  /** The bounded read stopped before finding anyone: this page may start further on. */
  const canSearchFurther = !!nextCursor && shown?.items.length === 0;
  const next = () => {
    if (hasNext && nextCursor) setWalk({ key, starts: [...walk.starts.slice(0, walk.page + 1), nextCursor], page: walk.page + 1 });
  };
  const previous = () => setWalk({ ...walk, page: Math.max(0, walk.page - 1) });
  // The pages read so far held no one, so this page starts where the read stopped.
  const searchFurther = () => {
    if (canSearchFurther && nextCursor) setWalk({ key, starts: [...walk.starts.slice(0, walk.page), nextCursor], page: walk.page });
  };
  return { result, page: walk.page, next, previous, hasNext, canSearchFurther, searchFurther };
}
