import { describe, expect, it } from 'vitest';
import { previewSentence } from './previewSentence';

describe('previewSentence', () => {
  it('says how many were recognised and what happens to each', () => {
    expect(
      previewSentence({
        recognized: 13,
        valid: Array.from({ length: 9 }, (_, i) => `p${i}@x.test`),
        invalid: ['nope'],
        duplicates: ['p1@x.test'],
        existing: [
          { email: 'a@x.test', status: 'licensed' },
          { email: 'b@x.test', status: 'invited' },
        ],
      }),
    ).toBe('13 recognised, 9 to invite, 1 invalid, 1 repeated, 2 already members');
  });

  it('leaves out the kinds the list does not hold', () => {
    expect(previewSentence({ recognized: 1, valid: ['a@x.test'], invalid: [], duplicates: [], existing: [] })).toBe('1 recognised, 1 to invite');
  });
});
