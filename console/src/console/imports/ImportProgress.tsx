import { useEffect } from 'preact/hooks';
import { LoadError, Loading, Notice } from '../../components/Notice';
import { describeCode } from '../../errors/messages';
import { failuresCsv } from '../../lib/csv';
import { downloadText } from '../../lib/download';
import { useConsole } from '../context';
import { isFinished, useImportJob } from './useImportJob';

/** A running import's progress bar, then how many were invited and every row that was not. */
export function ImportProgress({ importId, onFinished }: { importId: string; onFinished: () => void }) {
  const { session } = useConsole();
  const { job, problem, retry } = useImportJob(session.orgId, importId);
  const finished = job ? isFinished(job) : false;
  useEffect(() => {
    if (finished) onFinished();
  }, [finished]);
  if (problem) return <LoadError problem={problem} onRetry={retry} />;
  if (!job) return <Loading what="the import" />;
  const failures = job.failures ?? [];
  return (
    <div class="import-progress" data-testid="import-progress" data-status={job.status}>
      <label for="import-bar">{finished ? 'Import finished' : job.status === 'queued' ? 'Waiting to start…' : 'Sending invitations…'}</label>
      <progress id="import-bar" max={Math.max(job.total, 1)} value={job.processed} />
      <p class="small" aria-live="polite">
        {job.processed} of {job.total} rows processed
      </p>
      {job.status === 'failed' && <Notice kind="error">The import stopped before the end. The rows below were not invited.</Notice>}
      {finished && (
        <Notice kind={failures.length ? 'warning' : 'success'}>
          {job.invited} invitation{job.invited === 1 ? '' : 's'} sent.
          {failures.length > 0 && ` ${failures.length} row${failures.length === 1 ? ' was' : 's were'} not invited.`}
        </Notice>
      )}
      {finished && failures.length > 0 && (
        <>
          <div class="table-wrap">
            <table class="failures">
              <caption class="visually-hidden">Rows that were not invited</caption>
              <thead>
                <tr>
                  <th scope="col">Row</th>
                  <th scope="col">Email</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {failures.map((f) => (
                  <tr key={`${f.row}-${f.email}`}>
                    <td>{f.row}</td>
                    <td>{f.email}</td>
                    <td>{describeCode(f.code ?? '')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <button type="button" class="button-secondary" onClick={() => downloadText('import-failures.csv', failuresCsv(failures))}>
            Download these rows as CSV
          </button>
        </>
      )}
    </div>
  );
}
