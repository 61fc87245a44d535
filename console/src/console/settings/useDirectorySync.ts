// The org's directory-sync connection (null when it has none) and the directory changes its
// freeze window holds (org admins only).
import type { HeldDirectoryChange, ScimConnection } from '../../api/types';
import { useResource, type Resource } from '../../hooks/useResource';
import { loadHeldChanges, loadScimConnection } from './directorySync';

export function useScimConnection(orgId: string): Resource<ScimConnection | null> {
  return useResource(() => loadScimConnection(orgId), [orgId]);
}

/** Read again whenever the org changes (`version`): setting, moving or lifting a freeze changes what is held. */
export function useHeldDirectoryChanges(orgId: string, version: number): Resource<HeldDirectoryChange[]> {
  return useResource(() => loadHeldChanges(orgId), [orgId, version]);
}
