// Where someone new goes: the role and department an admin gives a person it invites or
// creates an account for. A department admin may only give the role member, in its own
// department (SPEC rule 1); the choices offered follow lib/permissions.
import { useState } from 'preact/hooks';
import type { Department, Role } from '../../api/types';
import { fixedDepartment, invitableRoles } from '../../lib/permissions';
import { useConsole } from '../context';

export interface Placement {
  /** The roles the signed-in admin may give. */
  roles: Role[];
  departments: Department[];
  /** A department admin's own department: the only one offered. */
  fixed: string | null;
  role: Role;
  setRole: (role: Role) => void;
  /** A department id, or '' for none. */
  department: string;
  setDepartment: (id: string) => void;
  /** The request's `role` and `department_id`. */
  value: { role: Role; department_id: string | null };
}

export function usePlacement(): Placement {
  const { me, departments } = useConsole();
  const fixed = fixedDepartment(me);
  const [role, setRole] = useState<Role>('member');
  const [department, setDepartment] = useState(fixed ?? '');
  return {
    roles: invitableRoles(me),
    departments,
    fixed,
    role,
    setRole,
    department: fixed ?? department,
    setDepartment,
    value: { role, department_id: (fixed ?? department) || null },
  };
}
