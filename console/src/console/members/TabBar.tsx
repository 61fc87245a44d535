import type { Tab } from '../../api/types';
import { TAB_LABELS } from '../../lib/labels';
import { countLabel, TABS, type TabCount } from './useTabCounts';

interface Props {
  tab: Tab;
  counts: Record<Tab, TabCount> | undefined;
  onChange: (tab: Tab) => void;
}

/** Licensed / Unlicensed / Pending, with counts; arrow keys move between them. */
export function TabBar({ tab, counts, onChange }: Props) {
  const onKeyDown = (event: KeyboardEvent) => {
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    event.preventDefault();
    const next = TABS[(TABS.indexOf(tab) + step + TABS.length) % TABS.length];
    onChange(next);
    document.getElementById(`tab-${next}`)?.focus();
  };
  return (
    <div class="tabs" role="tablist" aria-label="Members by status" onKeyDown={onKeyDown}>
      {TABS.map((t) => (
        <button
          key={t}
          id={`tab-${t}`}
          type="button"
          role="tab"
          aria-selected={t === tab}
          aria-controls="members-panel"
          tabIndex={t === tab ? 0 : -1}
          onClick={() => onChange(t)}
        >
          {TAB_LABELS[t]} <span class="count">{countLabel(counts?.[t])}</span>
        </button>
      ))}
    </div>
  );
}
