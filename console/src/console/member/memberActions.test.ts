import { describe, expect, it } from 'vitest';
import type { Member } from '../../api/types';
import { availableActions } from './memberActions';

const member = (status: Member['status'], department_id: string | null = 'd1'): Member => ({
  id: 'm1',
  org_id: 'o1',
  email: 'm@x.test',
  first_name: 'Mo',
  last_name: 'Member',
  phone: '+15550100100',
  position: null,
  managed_by_directory: false,
  job_id: null,
  location: null,
  license_end: null,
  role: 'member',
  kind: 'full',
  status,
  department_id,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
  version: 1,
});
const orgAdmin = { id: 'a1', role: 'org_admin' as const, department_id: null };
const deptAdmin = { id: 'a2', role: 'dept_admin' as const, department_id: 'd1' };

describe('availableActions', () => {
  it('gives org admins the action each status allows', () => {
    expect(availableActions(orgAdmin, member('licensed'))).toEqual(['remove']);
    expect(availableActions(orgAdmin, member('unlicensed'))).toEqual(['reinvite']);
    expect(availableActions(orgAdmin, member('invited'))).toEqual(['resend', 'revoke']);
    expect(availableActions(orgAdmin, member('expired'))).toEqual(['resend', 'revoke']);
    expect(availableActions(orgAdmin, member('pending_approval'))).toEqual(['approve', 'reject']);
    expect(availableActions(orgAdmin, member('rejected'))).toEqual(['approve']);
  });

  it('never offers admins to remove themselves', () => {
    expect(availableActions(orgAdmin, { ...member('licensed'), id: 'a1' })).toEqual([]);
  });

  it('lets department admins only resend invitations in their own department', () => {
    expect(availableActions(deptAdmin, member('invited', 'd1'))).toEqual(['resend']);
    expect(availableActions(deptAdmin, member('invited', 'd2'))).toEqual([]);
    for (const status of ['licensed', 'unlicensed', 'pending_approval', 'rejected'] as const) expect(availableActions(deptAdmin, member(status))).toEqual([]);
  });

  it('gives plain members nothing', () => {
    expect(availableActions({ id: 'x', role: 'member', department_id: 'd1' }, member('invited'))).toEqual([]);
  });
});
