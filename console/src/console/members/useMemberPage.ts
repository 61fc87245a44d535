// One page of one tab, walked forwards and backwards with the API's opaque cursors.
import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import type { Tab } from '../../api/types';
import { useResource } from '../../hooks/useResource';

export const PAGE_SIZE = 25;

interface Walk {
  /** The list the cursors belong to; another filter starts again at page one. */
  key: string;
  /** cursors[i] opens page i + 1. */
  cursors: string[];
  page: number;
}

export function useMemberPage(orgId: string, tab: Tab, q: string, department: string, generation: number) {
  const key = [orgId, tab, q, department].join('\n');
  const [saved, setWalk] = useState<Walk>({ key, cursors: [], page: 0 });
  const walk = saved.key === key ? saved : { key, cursors: [], page: 0 };
  const cursor = walk.page > 0 ? walk.cursors[walk.page - 1] : undefined;
  const result = useResource(
    () =>
      call(
        api.GET('/v1/orgs/{org}/members', {
          params: {
            path: { org: orgId },
            query: { tab, limit: PAGE_SIZE, ...(q ? { q } : {}), ...(department ? { department } : {}), ...(cursor ? { cursor } : {}) },
          },
        }),
      ),
    [key, cursor, generation],
  );
  const nextCursor = result.state === 'ready' ? result.data.next_cursor : null;
  const next = () => {
    if (nextCursor) setWalk({ key, cursors: [...walk.cursors.slice(0, walk.page), nextCursor], page: walk.page + 1 });
  };
  const previous = () => setWalk({ ...walk, page: Math.max(0, walk.page - 1) });
  return { result, page: walk.page, next, previous, hasNext: !!nextCursor };
}
