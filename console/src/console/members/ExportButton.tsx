import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { call, toProblem } from '../../api/problem';
import { describeProblem } from '../../errors/messages';
import { downloadText } from '../../lib/download';
import { joinCsvPages, nextCursor } from '../../lib/links';
import { useConsole } from '../context';

/** Downloads every member (of the filtered department) as CSV, page after page. */
export function ExportButton({ department, onError }: { department: string; onError: (message: string) => void }) {
  const { session } = useConsole();
  const [busy, setBusy] = useState(false);
  const onClick = async () => {
    setBusy(true);
    try {
      const pages: string[] = [];
      let cursor: string | undefined;
      do {
        const pending = api.GET('/v1/orgs/{org}/members/export.csv', {
          params: { path: { org: session.orgId }, query: { ...(department ? { department } : {}), ...(cursor ? { cursor } : {}) } },
          parseAs: 'text',
        });
        pages.push(await call(pending));
        cursor = nextCursor((await pending).response.headers.get('link'));
      } while (cursor);
      downloadText('members.csv', joinCsvPages(pages));
    } catch (error) {
      onError(`The export failed. ${describeProblem(toProblem(error))}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <button type="button" class="button-secondary" disabled={busy} onClick={onClick}>
      {busy ? 'Exporting…' : 'Export CSV'}
    </button>
  );
}
