import type { ComponentChildren } from 'preact';
import type { Problem } from '../api/problem';
import { describeProblem } from '../errors/messages';

/** A message above a form or page: errors are announced, the rest is polite. */
export function Notice({ kind, children }: { kind: 'error' | 'success' | 'info' | 'warning'; children: ComponentChildren }) {
  return (
    <div class={`notice notice-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}

/** A failed load, in words, with a retry. */
export function LoadError({ problem, onRetry }: { problem: Problem; onRetry?: () => void }) {
  return (
    <Notice kind="error">
      <span>{describeProblem(problem)}</span>
      {onRetry && (
        <button type="button" class="button-link" onClick={onRetry}>
          Try again
        </button>
      )}
    </Notice>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status">
      <span class="spinner" aria-hidden="true" /> Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}
