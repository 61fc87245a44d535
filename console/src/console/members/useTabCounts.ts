// How many members each tab holds under the current search and department filter.
// The API has no count, so this reads up to one page of 200 per tab: "200+" beyond that.
import { api } from '../../api/client';
import { call } from '../../api/problem';
import type { Tab } from '../../api/types';
import { useResource } from '../../hooks/useResource';

export const TABS: Tab[] = ['licensed', 'unlicensed', 'pending'];
const COUNT_PAGE = 200;

export interface TabCount {
  count: number;
  more: boolean;
}

export function countLabel(count: TabCount | undefined): string {
  if (!count) return '…';
  return count.more ? `${count.count}+` : String(count.count);
}

export function useTabCounts(orgId: string, q: string, department: string, generation: number) {
  return useResource(async () => {
    const counts = await Promise.all(
      TABS.map((tab) =>
        call(
          api.GET('/v1/orgs/{org}/members', {
            params: { path: { org: orgId }, query: { tab, limit: COUNT_PAGE, ...(q ? { q } : {}), ...(department ? { department } : {}) } },
          }),
        ).then((page): TabCount => ({ count: page.items.length, more: page.next_cursor != null })),
      ),
    );
    return Object.fromEntries(TABS.map((tab, i) => [tab, counts[i]])) as Record<Tab, TabCount>;
  }, [orgId, q, department, generation]);
}
