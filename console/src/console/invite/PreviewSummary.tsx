import type { Preview } from '../../api/types';
import { statusLabel } from '../../lib/labels';
import { previewSentence } from './previewSentence';

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
