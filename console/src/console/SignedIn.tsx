import { useEffect, useMemo } from 'preact/hooks';
import { api } from '../api/client';
import { call } from '../api/problem';
import { accountKey, findAccount, setSessionEmail, updateAccount, type Session } from '../api/session';
import type { Member } from '../api/types';
import { LoadError, Loading } from '../components/Notice';
import { useResource, type Resource } from '../hooks/useResource';
import { rememberOrg } from '../lib/knownOrgs';
import { isAdmin } from '../lib/permissions';
import { ConsoleContext, type ConsoleData } from './context';
import { Layout } from './Layout';
import { Screens } from './Screens';

function Waiting({ failed }: { failed?: Resource<unknown> }) {
  return (
    <main class="public-main" id="main">
      {failed?.state === 'error' ? <LoadError problem={failed.problem} onRetry={failed.reload} /> : <Loading what="the console" />}
    </main>
  );
}

/** Loads who is signed in, then the console for them. */
export function SignedIn({ session }: { session: Session }) {
  const me = useResource(() => call(api.GET('/v1/me')), []);
  const email = me.data?.email;
  useEffect(() => {
    // The email can change under a session (its confirmation link may be opened anywhere):
    // the console signs in again with the member's current one after a password change.
    if (email && email.toLowerCase() !== session.email.trim().toLowerCase()) setSessionEmail(email);
  }, [email, session.email]);
  if (!me.data) return <Waiting failed={me} />;
  return <WithOrg session={session} me={me.data} reloadMe={me.reload} />;
}

/** Loads the org and its departments (admins only: members may not read them). */
function WithOrg({ session, me, reloadMe }: { session: Session; me: Member; reloadMe: () => void }) {
  const admin = isAdmin(me);
  const path = { params: { path: { org: session.orgId } } };
  const org = useResource(() => (admin ? call(api.GET('/v1/orgs/{org}', path)) : Promise.resolve(null)), []);
  const departments = useResource(
    () => (admin ? call(api.GET('/v1/orgs/{org}/departments', path)).then((page) => page.items) : Promise.resolve([])),
    [],
  );
  useEffect(() => {
    if (org.data) rememberOrg({ id: org.data.id, name: org.data.name });
  }, [org.data]);
  // The accounts page names each account by its org and role: keep them current.
  const orgName = org.data?.name ?? session.orgName;
  useEffect(() => {
    const held = findAccount(accountKey(session));
    if (held && (orgName !== held.orgName || me.role !== held.role)) updateAccount({ ...held, orgName, role: me.role });
  }, [orgName, me.role, session]);
  const data = useMemo<ConsoleData | null>(
    () =>
      org.data !== undefined && departments.data
        ? {
            session,
            me,
            org: org.data,
            departments: departments.data,
            reloadOrg: org.reload,
            reloadDepartments: departments.reload,
            reloadMe,
          }
        : null,
    [session, me, org.data, departments.data],
  );
  if (!data) return <Waiting failed={org.state === 'error' ? org : departments} />;
  return (
    <ConsoleContext.Provider value={data}>
      <Layout>
        <Screens />
      </Layout>
    </ConsoleContext.Provider>
  );
}
