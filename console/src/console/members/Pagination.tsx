interface Props {
  page: number;
  hasNext: boolean;
  onPrevious: () => void;
  onNext: () => void;
}

export function Pagination({ page, hasNext, onPrevious, onNext }: Props) {
  if (page === 0 && !hasNext) return null;
  return (
    <nav class="pagination" aria-label="Pages">
      <button type="button" class="button-secondary" disabled={page === 0} onClick={onPrevious}>
        Previous page
      </button>
      <span>Page {page + 1}</span>
      <button type="button" class="button-secondary" disabled={!hasNext} onClick={onNext}>
        Next page
      </button>
    </nav>
  );
}
