import { describe, expect, it } from 'vitest';
import { accountCreatedSentence, createAccountBody, EMPTY_ACCOUNT } from './account';

describe('createAccountBody', () => {
  it('sends trimmed names and email, the kind, and the role and department chosen', () => {
    const body = createAccountBody(
      { kind: 'full', email: '  Tom@Example.test ', first_name: ' Tom ', last_name: 'Temp ', phone: ' +1 555 010 0100 ', position: ' Nurse ' },
      { role: 'member', department_id: 'd1' },
    );
    expect(body).toEqual({
      email: 'Tom@Example.test',
      first_name: 'Tom',
      last_name: 'Temp',
      phone: '+1 555 010 0100',
      position: 'Nurse',
      role: 'member',
      department_id: 'd1',
      kind: 'full',
    });
  });

  it('sends no phone or position when they are left blank, and no department when none is chosen', () => {
    const body = createAccountBody({ ...EMPTY_ACCOUNT, kind: 'shell', email: 'a@x.test', first_name: 'A', last_name: 'B', phone: '   ' }, { role: 'org_admin', department_id: null });
    expect(body).toMatchObject({ phone: null, position: null, department_id: null, role: 'org_admin', kind: 'shell' });
  });

  it('starts as a licensed account', () => {
    expect(EMPTY_ACCOUNT.kind).toBe('full');
  });
});

describe('accountCreatedSentence', () => {
  it('says a licensed account got its temporary password by email', () => {
    expect(accountCreatedSentence({ kind: 'full', email: 'tom@x.test', first_name: 'Tom', last_name: 'Temp' })).toBe(
      'Account created for Tom Temp: they are licensed now. Their sign-in email (tom@x.test) and a temporary password were emailed to them; they choose their own password the first time they sign in.',
    );
  });

  it('says a shell account can’t sign in and got no email', () => {
    expect(accountCreatedSentence({ kind: 'shell', email: 'sue@x.test', first_name: 'Sue', last_name: 'Shell' })).toBe(
      'Shell account created for Sue Shell (sue@x.test). It can be put on on-call schedules but can’t sign in or be messaged; no email was sent.',
    );
  });
});
