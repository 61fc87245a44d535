import { describe, expect, it } from 'vitest';
import { auditActionLabel, auditReasonLabel, automaticActorLabel, heldKindLabel } from './labels';

describe('the directory’s audit events', () => {
  it('say the directory did it where the actor goes, not again as the reason', () => {
    const provisioned = { action: 'member_provisioned', reason: 'directory_sync' };
    expect([auditActionLabel(provisioned), automaticActorLabel(provisioned), auditReasonLabel(provisioned)]).toEqual(['Added', 'by your directory', null]);
    const unlicensed = { action: 'member_unlicensed', reason: 'directory_sync' };
    expect([auditActionLabel(unlicensed), automaticActorLabel(unlicensed), auditReasonLabel(unlicensed)]).toEqual(['Unlicensed', 'by your directory', null]);
    const updated = { action: 'member_updated', reason: 'directory_sync' };
    expect([auditActionLabel(updated), automaticActorLabel(updated)]).toEqual(['Details changed', 'by your directory']);
  });

  it('say what a held change will do, and when', () => {
    const held = { action: 'directory_change_held', reason: 'deactivate' };
    expect([auditActionLabel(held), automaticActorLabel(held), auditReasonLabel(held)]).toEqual([
      'Directory change held by the freeze window',
      null,
      'Unlicense, when the freeze ends',
    ]);
  });

  it('leave Roster’s own automatic changes as they were', () => {
    const expired = { action: 'member_unlicensed', reason: 'license_expired' };
    expect([automaticActorLabel(expired), auditReasonLabel(expired)]).toEqual(['automatically', 'the license end date passed']);
  });
});

describe('heldKindLabel', () => {
  it('words each kind of held change', () => {
    expect(['create', 'activate', 'deactivate', 'delete', 'something_else'].map(heldKindLabel)).toEqual(['Add', 'License', 'Unlicense', 'Remove', 'something else']);
  });
});
