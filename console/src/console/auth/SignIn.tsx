import { useState } from 'preact/hooks';
import { logIn } from '../../api/auth';
import type { Session } from '../../api/session';
import { setSession } from '../../api/session';
import { describedBy, Field } from '../../components/Field';
import { Notice } from '../../components/Notice';
import { PROBLEM_MESSAGES } from '../../errors/messages';
import { useSubmit } from '../../hooks/useSubmit';
import { knownOrgs, rememberOrg, type KnownOrg } from '../../lib/knownOrgs';
import { useLocation } from '../../router';
import { PublicLayout } from '../../pages/PublicLayout';
import { OrgChooser } from './OrgChooser';
import { TemporaryPassword } from './TemporaryPassword';

const FIELDS = ['email', 'password', 'org_id'] as const;

const ENDED: Record<string, string> = {
  expired: 'Your session has ended. Please sign in again.',
  signed_out: 'You have signed out.',
};

/** Sign in with email and password; then, for a temporary password, choose a new one. */
export function SignIn({ ended, lastEmail }: { ended?: string; lastEmail?: string }) {
  const { query } = useLocation();
  const [email, setEmail] = useState(query.get('email') ?? lastEmail ?? '');
  const [password, setPassword] = useState('');
  const [orgId, setOrgId] = useState(query.get('org') ?? '');
  const [askOrg, setAskOrg] = useState(false);
  const [temporary, setTemporary] = useState<{ session: Session; password: string } | null>(null);
  const submit = useSubmit(FIELDS);
  const [orgs, setOrgs] = useState<KnownOrg[]>(knownOrgs);

  const onSubmit = (event: Event) => {
    event.preventDefault();
    void submit.run(async () => {
      try {
        const session = await logIn(email.trim(), password, orgId || undefined);
        if (session.passwordChangeRequired) setTemporary({ session, password });
        else setSession(session);
      } catch (error) {
        const problem = (error as { problem?: { errors?: { code: string }[]; orgs?: { org_id: string; name: string }[] } }).problem;
        if (problem?.errors?.some((e) => e.code === 'org_required')) {
          // The password was right: the API names the orgs to choose from.
          const offered = (problem.orgs ?? []).map((o) => ({ id: o.org_id, name: o.name }));
          offered.forEach(rememberOrg);
          const choices = offered.length > 0 ? offered : orgs;
          setOrgs(choices);
          setAskOrg(true);
          if (!choices.some((o) => o.id === orgId) && choices.length > 0) setOrgId(choices[0].id);
        }
        throw error;
      }
    });
  };

  if (temporary) return <TemporaryPassword session={temporary.session} temporaryPassword={temporary.password} />;

  const welcome = query.get('welcome') === '1';
  return (
    <PublicLayout>
      <section class="card narrow" aria-labelledby="signin-title">
        <h1 id="signin-title">Sign in to Roster</h1>
        {welcome && <Notice kind="success">Your account is ready. Sign in with the password you just chose.</Notice>}
        {ended && ENDED[ended] && <Notice kind="info">{ENDED[ended]}</Notice>}
        {submit.message && <Notice kind="error">{submit.message}</Notice>}
        {askOrg && !submit.message && <Notice kind="info">{PROBLEM_MESSAGES.org_required}</Notice>}
        <form onSubmit={onSubmit} noValidate>
          <Field id="signin-email" label="Email" error={submit.fields.email}>
            <input
              type="email"
              required
              autocomplete="username"
              value={email}
              onInput={(e) => setEmail(e.currentTarget.value)}
              {...describedBy('signin-email', false, submit.fields.email)}
            />
          </Field>
          <Field id="signin-password" label="Password" error={submit.fields.password}>
            <input
              type="password"
              required
              autocomplete="current-password"
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
              {...describedBy('signin-password', false, submit.fields.password)}
            />
          </Field>
          {askOrg && <OrgChooser orgs={orgs} value={orgId} onChange={setOrgId} error={submit.fields.org_id} />}
          <div class="actions">
            <button type="submit" class="button-primary" disabled={submit.busy}>
              {submit.busy ? 'Signing in…' : 'Sign in'}
            </button>
          </div>
        </form>
      </section>
    </PublicLayout>
  );
}
