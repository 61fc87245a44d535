import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import type { BulkEditResult } from '../../api/types';
import { DepartmentSelect } from '../../components/DepartmentSelect';
import { Dialog } from '../../components/Dialog';
import { Notice } from '../../components/Notice';
import { describeCode } from '../../errors/messages';
import { useSubmit } from '../../hooks/useSubmit';
import { useConsole } from '../context';

type FieldName = 'department_id' | 'position' | 'location';
const LABELS: Record<FieldName, string> = { department_id: 'Department', position: 'Position', location: 'Location' };
const FIELDS: FieldName[] = ['department_id', 'position', 'location'];

interface Props {
  memberIds: string[];
  onClose: () => void;
  onDone: (message: string) => void;
}

/** Sets department, position and/or location of the selected members (the only fields bulk edit may set). */
export function BulkEditDialog({ memberIds, onClose, onDone }: Props) {
  const { session, departments } = useConsole();
  const [change, setChange] = useState<Record<FieldName, boolean>>({ department_id: false, position: false, location: false });
  const [values, setValues] = useState<Record<FieldName, string>>({ department_id: '', position: '', location: '' });
  const [result, setResult] = useState<BulkEditResult | null>(null);
  const submit = useSubmit(FIELDS);
  const chosen = FIELDS.filter((f) => change[f]);

  const onSubmit = (event: Event) => {
    event.preventDefault();
    void submit.run(async () => {
      const body = Object.fromEntries(chosen.map((f) => [f, values[f].trim() || null]));
      const answer = await call(
        api.POST('/v1/orgs/{org}/members/bulk-edit', { params: { path: { org: session.orgId } }, body: { member_ids: memberIds, ...body } }),
      );
      if (answer.failures?.length) setResult(answer);
      else {
        onDone(`${answer.updated ?? memberIds.length} member${answer.updated === 1 ? ' was' : 's were'} updated.`);
        onClose();
      }
    });
  };

  if (result) {
    return (
      <Dialog title="Bulk edit finished with problems" onClose={() => onDone(`${result.updated ?? 0} members were updated.`)}>
        <p>
          {result.updated ?? 0} updated, {result.failures?.length} not:
        </p>
        <ul class="plain-list">
          {result.failures?.map((f) => (
            <li key={f.member_id}>
              {f.member_id}: {describeCode(f.code ?? '')}
            </li>
          ))}
        </ul>
      </Dialog>
    );
  }

  return (
    <Dialog title={`Edit ${memberIds.length} selected member${memberIds.length === 1 ? '' : 's'}`} onClose={onClose}>
      <p class="muted">Tick what to change. Leaving a ticked field empty clears it.</p>
      {submit.message && <Notice kind="error">{submit.message}</Notice>}
      <form onSubmit={onSubmit} noValidate>
        {FIELDS.map((field) => (
          <div key={field} class={submit.fields[field] ? 'field field-invalid' : 'field'}>
            <label class="choice">
              <input type="checkbox" checked={change[field]} onChange={(e) => setChange({ ...change, [field]: e.currentTarget.checked })} />{' '}
              Change {LABELS[field].toLowerCase()}
            </label>
            {change[field] && (
              <>
                <label for={`bulk-${field}`} class="visually-hidden">
                  New {LABELS[field].toLowerCase()}
                </label>
                {field === 'department_id' ? (
                  <DepartmentSelect
                    id={`bulk-${field}`}
                    value={values[field]}
                    onChange={(v) => setValues({ ...values, [field]: v })}
                    departments={departments}
                    noneLabel="No department"
                  />
                ) : (
                  <input id={`bulk-${field}`} value={values[field]} onInput={(e) => setValues({ ...values, [field]: e.currentTarget.value })} />
                )}
              </>
            )}
            {submit.fields[field] && <p class="field-error">{submit.fields[field]}</p>}
          </div>
        ))}
        <div class="actions">
          <button type="button" class="button-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="button-primary" disabled={submit.busy || chosen.length === 0}>
            {submit.busy ? 'Saving…' : 'Apply to selected'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
