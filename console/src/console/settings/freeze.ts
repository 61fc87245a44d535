// Whether a freeze window is on now, coming, or over (by this browser's clock).
import type { Org } from '../../api/types';

export type FreezeWindow = NonNullable<Org['freeze']>;

export function freezePhase(window: FreezeWindow, now: Date = new Date()): 'active' | 'scheduled' | 'over' {
  if (new Date(window.ends_at) <= now) return 'over';
  return new Date(window.starts_at) <= now ? 'active' : 'scheduled';
}
