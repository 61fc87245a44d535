import type { Preview } from '../../api/types';

function plural(n: number, one: string, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * What the pasted list holds, e.g. "3 recognised: 2 to invite, 1 already a member; 1 not an
 * email; 1 repeated". The first number is the server's `recognized`: the distinct addresses
 * recognised as emails (those to invite and those that already have an account), so a typo
 * or a repeat makes it lower than the count the admin expected. Parts that are zero are left
 * out; what was not recognised follows after semicolons.
 */
export function previewSentence(preview: Preview): string {
  const toInvite = preview.valid?.length ?? 0;
  const existing = preview.existing?.length ?? 0;
  const invalid = preview.invalid?.length ?? 0;
  const repeated = preview.duplicates?.length ?? 0;

  const recognised: string[] = [];
  if (toInvite) recognised.push(`${toInvite} to invite`);
  if (existing) recognised.push(plural(existing, 'already a member', 'already members'));
  let sentence = `${preview.recognized ?? 0} recognised`;
  if (recognised.length) sentence += `: ${recognised.join(', ')}`;

  const rest: string[] = [];
  if (invalid) rest.push(plural(invalid, 'not an email', 'not emails'));
  if (repeated) rest.push(`${repeated} repeated`);
  return [sentence, ...rest].join('; ');
}

/**
 * Whether the list is exactly one address, to be invited: the dialog then sends a single
 * invitation (answered at once, with its expiry) rather than an import, whose report is what
 * tells the admin about every entry that was not invited.
 */
export function isSingleInvitation(preview: Preview): boolean {
  return (
    (preview.valid?.length ?? 0) === 1 &&
    (preview.invalid?.length ?? 0) === 0 &&
    (preview.duplicates?.length ?? 0) === 0 &&
    (preview.existing?.length ?? 0) === 0
  );
}
