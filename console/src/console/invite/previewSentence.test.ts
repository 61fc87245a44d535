import { describe, expect, it } from 'vitest';
import type { Preview } from '../../api/types';
import { isSingleInvitation, previewSentence } from './previewSentence';

const member = (email: string) => ({ email, status: 'licensed' as const });
const preview = (p: Partial<Preview>): Preview => ({ recognized: 0, valid: [], invalid: [], duplicates: [], existing: [], ...p });

describe('previewSentence', () => {
  it('says how many distinct addresses were recognised, then what was not (the issue\'s list)', () => {
    // x1, x2, bad-email, x1, <a member>
    expect(
      previewSentence(
        preview({
          recognized: 3,
          valid: ['x1@a.test', 'x2@a.test'],
          invalid: ['bad-email'],
          duplicates: ['x1@a.test'],
          existing: [member('m@a.test')],
        }),
      ),
    ).toBe('3 recognised: 2 to invite, 1 already a member; 1 not an email; 1 repeated');
  });

  it('uses plurals', () => {
    expect(
      previewSentence(
        preview({
          recognized: 11,
          valid: Array.from({ length: 9 }, (_, i) => `p${i}@x.test`),
          invalid: ['nope', 'nah'],
          duplicates: ['p1@x.test', 'p2@x.test'],
          existing: [member('a@x.test'), { email: 'b@x.test', status: 'invited' }],
        }),
      ),
    ).toBe('11 recognised: 9 to invite, 2 already members; 2 not emails; 2 repeated');
  });

  it('leaves out the parts that are zero', () => {
    expect(previewSentence(preview({ recognized: 1, valid: ['a@x.test'] }))).toBe('1 recognised: 1 to invite');
    expect(previewSentence(preview({ recognized: 1, existing: [member('a@x.test')] }))).toBe('1 recognised: 1 already a member');
    expect(previewSentence(preview({ recognized: 1, valid: ['a@x.test'], duplicates: ['a@x.test'] }))).toBe('1 recognised: 1 to invite; 1 repeated');
  });

  it('says 0 recognised when no entry is an email', () => {
    expect(previewSentence(preview({ invalid: ['nope'] }))).toBe('0 recognised; 1 not an email');
    expect(previewSentence(preview({ invalid: ['nope', 'nope'], duplicates: ['nope'] }))).toBe('0 recognised; 2 not emails; 1 repeated');
    expect(previewSentence(preview({}))).toBe('0 recognised');
  });
});

describe('isSingleInvitation', () => {
  it('is true only for a list of exactly one address to invite', () => {
    expect(isSingleInvitation(preview({ recognized: 1, valid: ['a@x.test'] }))).toBe(true);
  });

  it('is false when the list holds anything else, even with one address to invite', () => {
    // Each of these has recognized = 1 and one address to invite, but the import's report is
    // what tells the admin what happened to the rest.
    expect(isSingleInvitation(preview({ recognized: 1, valid: ['a@x.test'], invalid: ['typo'] }))).toBe(false);
    expect(isSingleInvitation(preview({ recognized: 1, valid: ['a@x.test'], duplicates: ['a@x.test'] }))).toBe(false);
    expect(isSingleInvitation(preview({ recognized: 2, valid: ['a@x.test'], existing: [member('b@x.test')] }))).toBe(false);
    expect(isSingleInvitation(preview({ recognized: 2, valid: ['a@x.test', 'b@x.test'] }))).toBe(false);
    expect(isSingleInvitation(preview({ invalid: ['typo'] }))).toBe(false);
  });
});
