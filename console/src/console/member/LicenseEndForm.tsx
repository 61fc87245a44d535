import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import type { Member } from '../../api/types';
import { describedBy, Field } from '../../components/Field';
import { Notice } from '../../components/Notice';
import { useSubmit } from '../../hooks/useSubmit';
import { endOfDayUtc, formatDate, utcDay } from '../../lib/dates';

/** Picks the day a member's license ends (it ends at the end of that day, UTC), or clears it. */
export function LicenseEndForm({ member, onSaved }: { member: Member; onSaved: (message: string) => void }) {
  const [day, setDay] = useState(member.license_end ? utcDay(member.license_end) : '');
  const submit = useSubmit(['license_end']);
  const save = (licenseEnd: string | null) =>
    submit.run(async () => {
      await call(
        api.PATCH('/v1/orgs/{org}/members/{member}', {
          params: { path: { org: member.org_id, member: member.id } },
          body: { license_end: licenseEnd },
        }),
      );
      onSaved(licenseEnd ? `The license now ends on ${formatDate(licenseEnd)}.` : 'The license end date was cleared.');
    });
  const onSubmit = (event: Event) => {
    event.preventDefault();
    if (day) void save(endOfDayUtc(day));
  };
  return (
    <form onSubmit={onSubmit} noValidate>
      <p class="small">
        {member.license_end
          ? `The license ends on ${formatDate(member.license_end)}; after that the member is unlicensed automatically.`
          : 'No end date: the license lasts until an admin removes the member.'}
      </p>
      {submit.message && <Notice kind="error">{submit.message}</Notice>}
      <Field id="license-end" label="License ends on" hint="At the end of that day (UTC)." error={submit.fields.license_end}>
        <input type="date" value={day} onInput={(e) => setDay(e.currentTarget.value)} {...describedBy('license-end', true, submit.fields.license_end)} />
      </Field>
      <div class="actions">
        {member.license_end && (
          <button type="button" class="button-secondary" disabled={submit.busy} onClick={() => void save(null)}>
            Clear end date
          </button>
        )}
        <button type="submit" class="button-primary" disabled={!day || submit.busy || endOfDayUtc(day) === member.license_end}>
          {submit.busy ? 'Saving…' : 'Set end date'}
        </button>
      </div>
    </form>
  );
}
