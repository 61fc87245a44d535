import type { Role } from '../../api/types';
import { DepartmentSelect } from '../../components/DepartmentSelect';
import { describedBy, Field } from '../../components/Field';
import { ROLE_LABELS } from '../../lib/labels';
import type { Placement } from './usePlacement';

interface Props {
  /** Prefix of the controls' ids: `<prefix>-role`, `<prefix>-department`. */
  idPrefix: string;
  placement: Placement;
  errors: { role?: string; department_id?: string };
}

/** The role and department of someone new, side by side; a department admin's are fixed. */
export function PlacementFields({ idPrefix, placement, errors }: Props) {
  const roleId = `${idPrefix}-role`;
  const departmentId = `${idPrefix}-department`;
  return (
    <div class="row">
      <Field id={roleId} label="Role" error={errors.role}>
        <select value={placement.role} onChange={(e) => placement.setRole(e.currentTarget.value as Role)} {...describedBy(roleId, false, errors.role)}>
          {placement.roles.map((r) => (
            <option key={r} value={r}>
              {ROLE_LABELS[r]}
            </option>
          ))}
        </select>
      </Field>
      <Field id={departmentId} label="Department" error={errors.department_id}>
        <DepartmentSelect
          id={departmentId}
          value={placement.department}
          onChange={placement.setDepartment}
          departments={placement.departments}
          noneLabel="No department"
          disabled={placement.fixed !== null}
          describedBy={errors.department_id ? `${departmentId}-error` : undefined}
        />
      </Field>
    </div>
  );
}
