// What every console screen needs: who is signed in, their org, its departments.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Session } from '../api/session';
import type { Department, Member, Org } from '../api/types';

export interface ConsoleData {
  session: Session;
  me: Member;
  /** Null for plain members, who may not read the org. */
  org: Org | null;
  departments: Department[];
  reloadOrg: () => void;
  reloadDepartments: () => void;
  reloadMe: () => void;
}

export const ConsoleContext = createContext<ConsoleData | null>(null);

export function useConsole(): ConsoleData {
  const data = useContext(ConsoleContext);
  if (!data) throw new Error('useConsole outside the signed-in console');
  return data;
}

export function departmentName(departments: Department[], id: string | null | undefined): string {
  if (!id) return '—';
  return departments.find((d) => d.id === id)?.name ?? 'Unknown department';
}
