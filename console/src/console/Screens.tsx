import { isAdmin } from '../lib/permissions';
import { match, useLocation } from '../router';
import { useConsole } from './context';
import { DepartmentsPage } from './departments/DepartmentsPage';
import { InviteLinkPage } from './invite-link/InviteLinkPage';
import { MemberDetail } from './member/MemberDetail';
import { MembersPage } from './members/MembersPage';
import { ProfilePage } from './profile/ProfilePage';
import { SettingsPage } from './settings/SettingsPage';
import { AccountsPage } from './switcher/AccountsPage';
import { can } from '../lib/permissions';

/** The console screen for the current path, among those the role may use. */
export function Screens() {
  const { me } = useConsole();
  const { path } = useLocation();
  const member = match('/members/:id', path);
  if (member && isAdmin(me)) return <MemberDetail key={member.id} id={member.id} />;
  if (path === '/departments' && can(me, 'manageDepartments')) return <DepartmentsPage />;
  if (path === '/invite-link' && can(me, 'manageInviteLink')) return <InviteLinkPage />;
  if (path === '/settings' && can(me, 'updateOrg')) return <SettingsPage />;
  if (path === '/accounts') return <AccountsPage />;
  if (path === '/profile' || !isAdmin(me)) return <ProfilePage notAdmin={!isAdmin(me) && path !== '/profile'} />;
  if (path === '/' || path === '/sign-in') return <MembersPage />;
  return (
    <section>
      <h1>Page not found</h1>
      <p>There is no console page at this address, or your role can't use it.</p>
    </section>
  );
}
