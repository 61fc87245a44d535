import type { ComponentChildren } from 'preact';
import { signOut } from '../api/auth';
import { Link } from '../components/Link';
import { fullName, ROLE_LABELS } from '../lib/labels';
import { can, isAdmin } from '../lib/permissions';
import { useLocation } from '../router';
import { useConsole } from './context';
import { FreezeBanner } from './settings/FreezeBanner';
import { useAccounts } from './switcher/useAccounts';

/** The console's frame: the org, the navigation the role allows, who is signed in (and the other accounts held). */
export function Layout({ children }: { children: ComponentChildren }) {
  const { me, org, session } = useConsole();
  const { path } = useLocation();
  const several = useAccounts().length > 1;
  const orgName = org?.name ?? session.orgName;
  const links: [string, string][] = [];
  if (isAdmin(me)) links.push(['/', 'Members']);
  if (can(me, 'manageDepartments')) links.push(['/departments', 'Departments']);
  if (can(me, 'manageInviteLink')) links.push(['/invite-link', 'Invite link']);
  if (can(me, 'updateOrg')) links.push(['/settings', 'Settings']);
  links.push(['/profile', 'My profile']);
  if (several || path === '/accounts') links.push(['/accounts', 'Accounts']);
  const current = (href: string) => (href === '/' ? path === '/' || path.startsWith('/members') : path.startsWith(href));
  return (
    <div class="console">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="console-head">
        <div class="console-brand">
          <span class="brand">Roster</span>
          {orgName && <span class="org-name">{orgName}</span>}
        </div>
        <nav aria-label="Console">
          <ul>
            {links.map(([href, label]) => (
              <li key={href}>
                <Link href={href} aria-current={current(href) ? 'page' : undefined}>
                  {label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div class="console-user">
          <span>
            {fullName(me)} <span class="muted">· {ROLE_LABELS[me.role]}</span>
          </span>
          <button type="button" class="button-secondary button-small" onClick={signOut}>
            {several ? 'Sign out of all' : 'Sign out'}
          </button>
        </div>
      </header>
      {org && <FreezeBanner org={org} />}
      <main class="console-main" id="main">
        {children}
      </main>
    </div>
  );
}
