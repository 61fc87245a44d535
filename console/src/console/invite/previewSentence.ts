import type { Preview } from '../../api/types';

function plural(n: number, one: string, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

/** "10 recognised, 1 invalid, 2 already members": what the pasted list holds. */
export function previewSentence(preview: Preview): string {
  const parts = [`${preview.recognized ?? 0} recognised`];
  parts.push(`${preview.valid?.length ?? 0} to invite`);
  if (preview.invalid?.length) parts.push(`${preview.invalid.length} invalid`);
  if (preview.duplicates?.length) parts.push(`${preview.duplicates.length} repeated`);
  if (preview.existing?.length) parts.push(plural(preview.existing.length, 'already a member', 'already members'));
  return parts.join(', ');
}
