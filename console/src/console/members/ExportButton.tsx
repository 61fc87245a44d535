import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { call, toProblem } from '../../api/problem';
import { describeProblem } from '../../errors/messages';
import { downloadText } from '../../lib/download';
import { useConsole } from '../context';

/** Downloads every member (of the filtered department) as CSV. */
export function ExportButton({ department, onError }: { department: string; onError: (message: string) => void }) {
  const { session } = useConsole();
  const [busy, setBusy] = useState(false);
  const onClick = async () => {
    setBusy(true);
    try {
      const csv = await call(
        api.GET('/v1/orgs/{org}/members/export.csv', {
          params: { path: { org: session.orgId }, query: department ? { department } : {} },
          parseAs: 'text',
        }),
      );
      downloadText('members.csv', csv);
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
