import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import type { Member, MemberPatch, Role } from '../../api/types';
import { DepartmentSelect } from '../../components/DepartmentSelect';
import { describedBy, Field } from '../../components/Field';
import { Notice } from '../../components/Notice';
import { useSubmit } from '../../hooks/useSubmit';
import { ROLE_LABELS } from '../../lib/labels';
import { useConsole } from '../context';

const FIELDS = ['department_id', 'position', 'job_id', 'location', 'role'] as const;
type Text = 'position' | 'job_id' | 'location';
const TEXT_LABELS: Record<Text, string> = { position: 'Position', job_id: 'Job ID', location: 'Location' };

/** What an org admin edits: department, position, job ID, location and role. Sends only what changed. */
export function AdminFieldsForm({ member, onSaved }: { member: Member; onSaved: (member: Member) => void }) {
  const { me, session, departments } = useConsole();
  const [department, setDepartment] = useState(member.department_id ?? '');
  const [texts, setTexts] = useState<Record<Text, string>>({
    position: member.position ?? '',
    job_id: member.job_id ?? '',
    location: member.location ?? '',
  });
  const [role, setRole] = useState<Role>(member.role);
  const submit = useSubmit(FIELDS);

  const patch: MemberPatch = {};
  if (department !== (member.department_id ?? '')) patch.department_id = department || null;
  for (const key of Object.keys(texts) as Text[]) {
    if (texts[key].trim() !== (member[key] ?? '')) patch[key] = texts[key].trim() || null;
  }
  if (role !== member.role) patch.role = role;
  const dirty = Object.keys(patch).length > 0;

  const onSubmit = (event: Event) => {
    event.preventDefault();
    void submit.run(async () => {
      onSaved(
        await call(api.PATCH('/v1/orgs/{org}/members/{member}', { params: { path: { org: session.orgId, member: member.id } }, body: patch })),
      );
    });
  };

  return (
    <form onSubmit={onSubmit} noValidate>
      {submit.message && <Notice kind="error">{submit.message}</Notice>}
      <Field id="member-department" label="Department" error={submit.fields.department_id}>
        <DepartmentSelect
          id="member-department"
          value={department}
          onChange={setDepartment}
          departments={departments}
          noneLabel="No department"
          describedBy={submit.fields.department_id ? 'member-department-error' : undefined}
        />
      </Field>
      {(Object.keys(TEXT_LABELS) as Text[]).map((key) => (
        <Field key={key} id={`member-${key}`} label={TEXT_LABELS[key]} error={submit.fields[key]}>
          <input
            value={texts[key]}
            onInput={(e) => setTexts({ ...texts, [key]: e.currentTarget.value })}
            {...describedBy(`member-${key}`, false, submit.fields[key])}
          />
        </Field>
      ))}
      <Field
        id="member-role"
        label="Role"
        hint={member.id === me.id ? 'You can’t change your own role.' : undefined}
        error={submit.fields.role}
      >
        <select
          value={role}
          disabled={member.id === me.id}
          onChange={(e) => setRole(e.currentTarget.value as Role)}
          {...describedBy('member-role', member.id === me.id, submit.fields.role)}
        >
          {(Object.keys(ROLE_LABELS) as Role[]).map((r) => (
            <option key={r} value={r}>
              {ROLE_LABELS[r]}
            </option>
          ))}
        </select>
      </Field>
      <div class="actions">
        <button type="submit" class="button-primary" disabled={!dirty || submit.busy}>
          {submit.busy ? 'Saving…' : 'Save changes'}
        </button>
      </div>
    </form>
  );
}
