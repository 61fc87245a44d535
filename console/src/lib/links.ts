// RFC 8288 `Link` headers: the API's paged downloads (the members export) name their next
// page with `rel="next"`.

/** The `cursor` of the `rel="next"` link in a `Link` header, if there is one. */
export function nextCursor(link: string | null): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const match = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (!match || !/(^|;)\s*rel="?next"?\s*(;|$)/.test(match[2])) continue;
    const cursor = new URL(match[1], 'http://base.invalid').searchParams.get('cursor');
    if (cursor) return cursor;
  }
  return undefined;
}

/** One CSV out of pages that each start with the same header row. */
export function joinCsvPages(pages: string[]): string {
  return pages.map((page, i) => (i === 0 ? page : page.slice(page.indexOf('\n') + 1))).join('');
}
