import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import type { Org } from '../../api/types';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { describedBy, Field } from '../../components/Field';
import { Notice } from '../../components/Notice';
import { useSubmit } from '../../hooks/useSubmit';
import { formatDateTime, localInputToUtc, utcToLocalInput } from '../../lib/dates';
import { useConsole } from '../context';

const FIELDS = ['starts_at', 'ends_at', 'reason'] as const;

/** Set or lift the window in which membership changes are refused (e.g. during a migration). */
export function FreezeSection({ org }: { org: Org }) {
  const { session, reloadOrg } = useConsole();
  const [start, setStart] = useState(org.freeze ? utcToLocalInput(org.freeze.starts_at) : '');
  const [end, setEnd] = useState(org.freeze ? utcToLocalInput(org.freeze.ends_at) : '');
  const [reason, setReason] = useState(org.freeze?.reason ?? '');
  const [lifting, setLifting] = useState(false);
  const submit = useSubmit(FIELDS);
  const { fields } = submit;
  const params = { params: { path: { org: session.orgId } } };

  const onSubmit = (event: Event) => {
    event.preventDefault();
    void submit.run(async () => {
      await call(
        api.PUT('/v1/orgs/{org}/freeze', { ...params, body: { starts_at: localInputToUtc(start), ends_at: localInputToUtc(end), reason: reason.trim() } }),
      );
      reloadOrg();
    });
  };

  return (
    <section class="panel" aria-labelledby="freeze-title">
      <h2 id="freeze-title">Freeze window</h2>
      <p class="small">
        During a freeze window, admins can’t invite, remove or approve people, and automatic removals wait until it ends. People can still
        accept invitations.
      </p>
      {org.freeze ? (
        <Notice kind="warning">
          Frozen from {formatDateTime(org.freeze.starts_at)} to {formatDateTime(org.freeze.ends_at)}.{org.freeze.reason && ` ${org.freeze.reason}`}
        </Notice>
      ) : (
        <p>No freeze window is set.</p>
      )}
      {submit.message && <Notice kind="error">{submit.message}</Notice>}
      <form onSubmit={onSubmit} noValidate>
        <div class="row">
          <Field id="freeze-start" label="Starts (UTC)" error={fields.starts_at}>
            <input type="datetime-local" required value={start} onInput={(e) => setStart(e.currentTarget.value)} {...describedBy('freeze-start', false, fields.starts_at)} />
          </Field>
          <Field id="freeze-end" label="Ends (UTC)" error={fields.ends_at}>
            <input type="datetime-local" required value={end} onInput={(e) => setEnd(e.currentTarget.value)} {...describedBy('freeze-end', false, fields.ends_at)} />
          </Field>
        </div>
        <Field id="freeze-reason" label="Reason" hint="Shown to admins in the banner." error={fields.reason}>
          <input value={reason} onInput={(e) => setReason(e.currentTarget.value)} {...describedBy('freeze-reason', true, fields.reason)} />
        </Field>
        <div class="actions">
          {org.freeze && (
            <button type="button" class="button-danger-outline" onClick={() => setLifting(true)}>
              Lift the freeze
            </button>
          )}
          <button type="submit" class="button-primary" disabled={!start || !end || submit.busy}>
            {submit.busy ? 'Saving…' : org.freeze ? 'Change the window' : 'Set the window'}
          </button>
        </div>
      </form>
      {lifting && (
        <ConfirmDialog
          title="Lift the freeze window?"
          confirmLabel="Lift the freeze"
          onClose={() => setLifting(false)}
          onConfirm={async () => {
            await call(api.DELETE('/v1/orgs/{org}/freeze', params));
            setStart('');
            setEnd('');
            setReason('');
            reloadOrg();
          }}
        >
          <p>Membership changes are allowed again at once, and held-back automatic removals catch up.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
