// The accounts held in this tab, re-read whenever they change.
import { useEffect, useState } from 'preact/hooks';
import { getAccounts, onSessionChange, type Session } from '../../api/session';

export function useAccounts(): Session[] {
  const [accounts, setAccounts] = useState<Session[]>(getAccounts);
  useEffect(() => onSessionChange(() => setAccounts(getAccounts())), []);
  return accounts;
}
