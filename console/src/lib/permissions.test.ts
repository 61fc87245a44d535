import { describe, expect, it } from 'vitest';
import { can, fixedDepartment, invitableRoles } from './permissions';

const orgAdmin = { role: 'org_admin' as const, department_id: null };
const deptAdmin = { role: 'dept_admin' as const, department_id: 'd1' };
const member = { role: 'member' as const, department_id: 'd1' };

describe('creating accounts (rule 1 and rule 10)', () => {
  it('is for org admins and department admins, not members', () => {
    expect(can(orgAdmin, 'createAccount')).toBe(true);
    expect(can(deptAdmin, 'createAccount')).toBe(true);
    expect(can(member, 'createAccount')).toBe(false);
  });

  it('lets a department admin give only the role member, in its own department', () => {
    expect(invitableRoles(deptAdmin)).toEqual(['member']);
    expect(fixedDepartment(deptAdmin)).toBe('d1');
    expect(invitableRoles(orgAdmin)).toEqual(['member', 'dept_admin', 'org_admin']);
    expect(fixedDepartment(orgAdmin)).toBeNull();
  });

  it('gives department admins no license management', () => {
    for (const action of ['removeMember', 'reinvite', 'decideJoinRequest', 'updateMember', 'bulkEdit'] as const) expect(can(deptAdmin, action)).toBe(false);
  });
});
