import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { call, toProblem } from '../../api/problem';
import { Dialog } from '../../components/Dialog';
import { describedBy, Field } from '../../components/Field';
import { Notice } from '../../components/Notice';
import { describeProblem } from '../../errors/messages';
import { useSubmit } from '../../hooks/useSubmit';
import { downloadText } from '../../lib/download';
import { useConsole } from '../context';
import { ImportProgress } from './ImportProgress';

/** Bulk onboarding from a CSV file made from the template. */
export function ImportDialog({ onClose, onImported }: { onClose: () => void; onImported: () => void }) {
  const { session } = useConsole();
  const [file, setFile] = useState<File | null>(null);
  const [importId, setImportId] = useState<string | null>(null);
  const [templateError, setTemplateError] = useState<string | null>(null);
  const submit = useSubmit(['file', 'rows']);
  const org = { path: { org: session.orgId } };

  const downloadTemplate = async () => {
    setTemplateError(null);
    try {
      downloadText('roster-import-template.csv', await call(api.GET('/v1/orgs/{org}/imports/template.csv', { params: org, parseAs: 'text' })));
    } catch (error) {
      setTemplateError(`The template could not be downloaded. ${describeProblem(toProblem(error))}`);
    }
  };
  const onSubmit = (event: Event) => {
    event.preventDefault();
    if (!file) return;
    void submit.run(async () => {
      const csv = await file.text();
      const queued = await call(
        api.POST('/v1/orgs/{org}/imports', {
          params: org,
          body: csv,
          bodySerializer: (body) => body as string,
          headers: { 'content-type': 'text/csv' },
        }),
      );
      setImportId(queued.id);
    });
  };
  const fileError = submit.fields.file ?? submit.fields.rows;

  return (
    <Dialog title="Import people from a CSV file" onClose={onClose} wide>
      {importId ? (
        <>
          <ImportProgress importId={importId} onFinished={onImported} />
          <div class="actions">
            <button type="button" class="button-primary" onClick={onClose}>
              Done
            </button>
          </div>
        </>
      ) : (
        <form onSubmit={onSubmit} noValidate>
          <ol class="steps">
            <li>
              <button type="button" class="button-link" onClick={downloadTemplate}>
                Download the template
              </button>{' '}
              and fill in one person per row: email, first name, last name, phone, department, position, role.
            </li>
            <li>Upload the file. Each row is checked on its own: a bad row never stops the others.</li>
          </ol>
          {templateError && <Notice kind="error">{templateError}</Notice>}
          {submit.message && <Notice kind="error">{submit.message}</Notice>}
          <Field id="import-file" label="CSV file" error={fileError}>
            <input
              type="file"
              accept=".csv,text/csv"
              onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)}
              {...describedBy('import-file', false, fileError)}
            />
          </Field>
          <div class="actions">
            <button type="button" class="button-secondary" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" class="button-primary" disabled={!file || submit.busy}>
              {submit.busy ? 'Uploading…' : 'Start import'}
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
