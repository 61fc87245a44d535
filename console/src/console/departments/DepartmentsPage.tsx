import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import type { Department } from '../../api/types';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { describedBy, Field } from '../../components/Field';
import { Empty, Notice } from '../../components/Notice';
import { useSubmit } from '../../hooks/useSubmit';
import { useConsole } from '../context';
import { DepartmentRow } from './DepartmentRow';

/** `/departments`: create, rename and delete the org's departments. */
export function DepartmentsPage() {
  const { session, departments, reloadDepartments } = useConsole();
  const [name, setName] = useState('');
  const [flash, setFlash] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<Department | null>(null);
  const create = useSubmit(['name']);
  const org = { path: { org: session.orgId } };

  const onCreate = (event: Event) => {
    event.preventDefault();
    void create.run(async () => {
      const created = await call(api.POST('/v1/orgs/{org}/departments', { params: org, body: { name: name.trim() } }));
      setName('');
      setFlash(`Department “${created.name}” was created.`);
      reloadDepartments();
    });
  };

  return (
    <section aria-labelledby="departments-title">
      <h1 id="departments-title">Departments</h1>
      {flash && <Notice kind="success">{flash}</Notice>}
      <form class="inline-form" onSubmit={onCreate} noValidate>
        <Field id="department-new" label="New department" error={create.fields.name}>
          <input value={name} onInput={(e) => setName(e.currentTarget.value)} {...describedBy('department-new', false, create.fields.name)} />
        </Field>
        <button type="submit" class="button-primary" disabled={!name.trim() || create.busy}>
          {create.busy ? 'Creating…' : 'Create'}
        </button>
      </form>
      {create.message && <Notice kind="error">{create.message}</Notice>}
      {departments.length === 0 ? (
        <Empty>No departments yet. Departments group members; a department admin manages the one they belong to.</Empty>
      ) : (
        <ul class="department-list">
          {departments.map((d) => (
            <DepartmentRow
              key={d.id}
              department={d}
              onRenamed={(renamed) => {
                setFlash(`Renamed to “${renamed}”.`);
                reloadDepartments();
              }}
              onDelete={() => setDeleting(d)}
            />
          ))}
        </ul>
      )}
      {deleting && (
        <ConfirmDialog
          title="Delete this department?"
          confirmLabel="Delete"
          danger
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await call(api.DELETE('/v1/orgs/{org}/departments/{dept}', { params: { path: { org: session.orgId, dept: deleting.id } } }));
            setFlash(`Department “${deleting.name}” was deleted.`);
            reloadDepartments();
          }}
        >
          <p>“{deleting.name}” will be deleted. A department that still has members can’t be deleted: move them first.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
