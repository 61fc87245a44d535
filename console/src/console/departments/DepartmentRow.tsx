import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import type { Department } from '../../api/types';
import { describedBy } from '../../components/Field';
import { useSubmit } from '../../hooks/useSubmit';
import { useConsole } from '../context';

interface Props {
  department: Department;
  onRenamed: (name: string) => void;
  onDelete: () => void;
}

/** One department, renamed in place. */
export function DepartmentRow({ department, onRenamed, onDelete }: Props) {
  const { session } = useConsole();
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(department.name);
  const rename = useSubmit(['name']);
  const id = `department-${department.id}`;
  const error = rename.fields.name ?? rename.message;

  const onSubmit = (event: Event) => {
    event.preventDefault();
    void rename.run(async () => {
      const renamed = await call(
        api.PATCH('/v1/orgs/{org}/departments/{dept}', {
          params: { path: { org: session.orgId, dept: department.id } },
          body: { name: name.trim() },
        }),
      );
      setEditing(false);
      onRenamed(renamed.name);
    });
  };

  if (!editing) {
    return (
      <li class="department">
        <span class="department-name">{department.name}</span>
        <button type="button" class="button-secondary button-small" aria-label={`Rename ${department.name}`} onClick={() => setEditing(true)}>
          Rename
        </button>
        <button type="button" class="button-danger-outline button-small" aria-label={`Delete ${department.name}`} onClick={onDelete}>
          Delete
        </button>
      </li>
    );
  }
  return (
    <li class="department">
      <form class="inline-form" onSubmit={onSubmit} noValidate>
        <label for={id} class="visually-hidden">
          New name for {department.name}
        </label>
        <input value={name} onInput={(e) => setName(e.currentTarget.value)} {...describedBy(id, false, error)} />
        <button type="submit" class="button-primary button-small" disabled={!name.trim() || rename.busy}>
          Save
        </button>
        <button
          type="button"
          class="button-secondary button-small"
          onClick={() => {
            setEditing(false);
            setName(department.name);
            rename.clear();
          }}
        >
          Cancel
        </button>
      </form>
      {error && (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </li>
  );
}
