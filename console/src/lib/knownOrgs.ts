// Organizations this browser has seen (from an invitation or a sign-in), so someone whose
// email has accounts in several can pick one by name. Only ids and names are kept.

export interface KnownOrg {
  id: string;
  name: string;
}

const KEY = 'roster.orgs';

export function knownOrgs(): KnownOrg[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(KEY) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter((o): o is KnownOrg => typeof o?.id === 'string' && typeof o?.name === 'string') : [];
  } catch {
    return [];
  }
}

export function rememberOrg(org: KnownOrg) {
  const others = knownOrgs().filter((o) => o.id !== org.id);
  try {
    localStorage.setItem(KEY, JSON.stringify([org, ...others].slice(0, 20)));
  } catch {
    // Without storage the chooser falls back to typing the organization's id.
  }
}
