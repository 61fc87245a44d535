import type { Preview } from '../../api/types';
import { statusLabel } from '../../lib/labels';

function plural(n: number, one: string, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

/** "10 recognised, 1 invalid, 2 already members": what the pasted list holds. */
export function previewSentence(preview: Preview): string {
  const parts = [`${preview.recognized ?? 0} recognised`];
  parts.push(`${preview.valid?.length ?? 0} to invite`);
  if (preview.invalid?.length) parts.push(`${preview.invalid.length} invalid`);
  if (preview.duplicates?.length) parts.push(plural(preview.duplicates.length, 'repeated'));
  if (preview.existing?.length) parts.push(plural(preview.existing.length, 'already a member', 'already members'));
  return parts.join(', ');
}

export function PreviewSummary({ preview }: { preview: Preview }) {
  return (
    <div class="preview" data-testid="invite-preview">
      <p class="preview-counts">{previewSentence(preview)}</p>
      {!!preview.invalid?.length && (
        <p class="small">
          <strong>Not email addresses:</strong> {preview.invalid.join(', ')}
        </p>
      )}
      {!!preview.duplicates?.length && (
        <p class="small">
          <strong>Repeated in the list:</strong> {preview.duplicates.join(', ')}
        </p>
      )}
      {!!preview.existing?.length && (
        <p class="small">
          <strong>Already have an account:</strong>{' '}
          {preview.existing.map((e) => `${e.email} (${statusLabel(e.status ?? '')})`).join(', ')}
        </p>
      )}
    </div>
  );
}
