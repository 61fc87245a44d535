import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeCode, describeField, describeProblem, EMAIL_CONFLICTS, FIELD_MESSAGES, PROBLEM_MESSAGES, splitProblem } from './messages';

const OPENAPI = join(__dirname, '../../../shared/http/openapi.json');

/** Every `code` the API can answer: the OpenAPI document's `ErrorCode` list, which a Rust
 * test keeps equal to the one list in shared/domain/src/codes.rs. */
function errorCodes(): string[] {
  const doc = JSON.parse(readFileSync(OPENAPI, 'utf8'));
  return doc.components.schemas.ErrorCode.enum;
}

describe('the error table', () => {
  const codes = errorCodes();

  it('reads the codes from the OpenAPI document', () => {
    for (const code of ['seats_exhausted', 'invitation_expired', 'invalid_credentials', 'frozen', 'validation_failed', 'rate_limited', 'already_invited', 'duplicate_in_file', 'required', 'invalid_phone', 'too_short', 'org_required', 'missing_column'])
      expect(codes).toContain(code);
  });

  it('words every code the API can answer', () => {
    const missing = codes.filter((code) => !(code in PROBLEM_MESSAGES) && !(code in FIELD_MESSAGES));
    expect(missing).toEqual([]);
  });

  it('words no code the API cannot answer (but its own, for the network and the page)', () => {
    const own = ['network_error', 'client_error'];
    const unknown = [...Object.keys(PROBLEM_MESSAGES), ...Object.keys(FIELD_MESSAGES)].filter((code) => !codes.includes(code) && !own.includes(code));
    expect(unknown).toEqual([]);
  });
});

describe('describeProblem', () => {
  it('says until when a freeze window lasts', () => {
    expect(describeProblem({ status: 423, code: 'frozen', ends_at: '2026-12-01T03:40:48Z' })).toBe(
      'Membership changes are frozen until Tuesday 1 December 2026, 03:40 UTC. Try again after that.',
    );
  });

  it('says how long to wait when rate limited', () => {
    expect(describeProblem({ status: 429, code: 'rate_limited', retry_after: 600 })).toBe('Too many attempts in a short time. Try again in 10 minutes.');
  });

  it('falls back on the status, then on the detail, for codes it does not know', () => {
    expect(describeProblem({ status: 403, code: 'something_new' })).toBe(PROBLEM_MESSAGES.forbidden);
    expect(describeProblem({ status: 409, code: 'something_new', detail: 'state conflict' })).toBe('The request was refused: state conflict');
  });
});

describe('splitProblem', () => {
  const problem = {
    status: 400,
    code: 'validation_failed',
    errors: [
      { field: 'phone', code: 'invalid_phone', message: 'a phone number of 7 to 15 digits' },
      { field: 'password', code: 'too_short', message: 'at least 10 characters' },
    ],
  };

  it('puts field errors beside the fields the form shows, without a duplicate message above', () => {
    expect(splitProblem(problem, ['phone', 'password'])).toEqual({
      fields: {
        phone: 'Enter a phone number with 7 to 15 digits, optionally starting with +.',
        password: 'Use at least 10 characters.',
      },
      message: null,
    });
  });

  it('folds errors about fields the form does not show into the message, so none is lost', () => {
    const split = splitProblem(problem, ['phone']);
    expect(split.fields).toEqual({ phone: 'Enter a phone number with 7 to 15 digits, optionally starting with +.' });
    expect(split.message).toBe('Some fields need fixing: see the messages beside them. password: Use at least 10 characters.');
  });

  it('gives the message of a problem without field errors', () => {
    expect(splitProblem({ status: 409, code: 'seats_exhausted' }, ['email'])).toEqual({ fields: {}, message: PROBLEM_MESSAGES.seats_exhausted });
  });

  it('puts a conflict about the email beside the email field when the form shows it', () => {
    expect(splitProblem({ status: 409, code: 'email_taken' }, ['email'], EMAIL_CONFLICTS)).toEqual({
      fields: { email: PROBLEM_MESSAGES.email_taken },
      message: null,
    });
    expect(splitProblem({ status: 409, code: 'already_licensed' }, ['email', 'first_name'], EMAIL_CONFLICTS)).toEqual({
      fields: { email: 'This person is already a licensed member.' },
      message: null,
    });
    // Other problems, and forms without the field, keep the message above the form.
    expect(splitProblem({ status: 409, code: 'seats_exhausted' }, ['email'], EMAIL_CONFLICTS).message).toBe(PROBLEM_MESSAGES.seats_exhausted);
    expect(splitProblem({ status: 409, code: 'email_taken' }, ['phone'], EMAIL_CONFLICTS)).toEqual({ fields: {}, message: PROBLEM_MESSAGES.email_taken });
  });

  it('words every email conflict it places beside the field, and each is one the API answers', () => {
    const codes = errorCodes();
    for (const code of Object.keys(EMAIL_CONFLICTS)) {
      expect(PROBLEM_MESSAGES).toHaveProperty(code);
      expect(codes).toContain(code);
    }
  });
});

describe('describeField and describeCode', () => {
  it('prefers wording for the field, then for the code, then the server message', () => {
    expect(describeField({ field: 'eula_accepted', code: 'required', message: 'x' })).toBe('You must accept the end-user license agreement to continue.');
    expect(describeField({ field: 'first_name', code: 'required', message: 'x' })).toBe('This is required.');
    expect(describeField({ field: 'x', code: 'brand_new', message: 'server words' })).toBe('server words');
  });

  it('words import row reasons', () => {
    expect(describeCode('already_member')).toBe('This person already has an account in the organization.');
    expect(describeCode('brand_new_reason')).toBe('brand new reason');
  });
});
