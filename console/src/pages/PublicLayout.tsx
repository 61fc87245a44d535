import type { ComponentChildren } from 'preact';

/** The frame of the pages people reach from an email or a join link. */
export function PublicLayout({ children }: { children: ComponentChildren }) {
  return (
    <div class="public">
      <header class="public-head">
        <span class="brand">Roster</span>
      </header>
      <main class="public-main" id="main">
        {children}
      </main>
    </div>
  );
}
