import { useState } from 'preact/hooks';
import { logIn } from '../../api/auth';
import type { Session } from '../../api/session';
import { setSession } from '../../api/session';
import { describedBy, Field } from '../../components/Field';
import { SignInEmailField } from '../../components/SignInEmailField';
import { Notice } from '../../components/Notice';
import { PROBLEM_MESSAGES } from '../../errors/messages';
import { useSubmit } from '../../hooks/useSubmit';
import { knownOrgs, rememberOrg, type KnownOrg } from '../../lib/knownOrgs';
import { useLocation } from '../../router';
import { PublicLayout } from '../../pages/PublicLayout';
import { CodeSignIn } from './CodeSignIn';
import { OrgChooser } from './OrgChooser';
import { SsoSignIn } from './SsoSignIn';
import { TemporaryPassword } from './TemporaryPassword';

const FIELDS = ['email', 'password', 'org_id'] as const;

const ENDED: Record<string, string> = {
  expired: 'Your session has ended. Please sign in again.',
  signed_out: 'You have signed out.',
  signed_out_one: 'You have signed out.',
  method_removed: 'Your organization no longer allows the way you signed in, so your session ended. Sign in again another way.',
};

const PASSWORD_NOT_ALLOWED =
  'Your organization does not allow signing in with a password for this account. Choose “Email me a code” or “Sign in with single sign-on” below instead, or ask your admin.';

type Method = 'password' | 'code' | 'sso';

function methodOf(query: URLSearchParams): Method {
  const asked = query.get('method');
  return asked === 'code' || asked === 'sso' ? asked : 'password';
}

/**
 * Sign in with email and password (then, for a temporary password, choose a new one), with
 * a one-time code sent by email (`?method=code` opens that way), or through the org's
 * identity provider (single sign-on, `?method=sso`).
 */
export function SignIn({ ended, lastEmail }: { ended?: string; lastEmail?: string }) {
  const { query } = useLocation();
  const [method, setMethod] = useState<Method>(() => methodOf(query));
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
  const endedNotice = ended && ENDED[ended] && <Notice kind="info">{ENDED[ended]}</Notice>;
  const useOther = (typed: string, other: Method) => {
    setEmail(typed);
    submit.clear();
    setMethod(other);
  };
  if (method === 'sso') {
    return (
      <PublicLayout>
        <section class="card narrow" aria-labelledby="signin-title">
          <h1 id="signin-title">Sign in with single sign-on</h1>
          {endedNotice}
          <SsoSignIn initialEmail={email} onUseOther={useOther} />
        </section>
      </PublicLayout>
    );
  }
  if (method === 'code') {
    return (
      <PublicLayout>
        <section class="card narrow" aria-labelledby="signin-title">
          <h1 id="signin-title">Sign in with a code</h1>
          {welcome && <Notice kind="success">Your account is ready. Sign in with a code we email you.</Notice>}
          {endedNotice}
          <CodeSignIn initialEmail={email} onUsePassword={(typed) => useOther(typed, 'password')} />
        </section>
      </PublicLayout>
    );
  }
  const message = submit.problem?.code === 'login_method_not_allowed' ? PASSWORD_NOT_ALLOWED : submit.message;
  return (
    <PublicLayout>
      <section class="card narrow" aria-labelledby="signin-title">
        <h1 id="signin-title">Sign in to Roster</h1>
        {welcome && <Notice kind="success">Your account is ready. Sign in with the password you just chose.</Notice>}
        {endedNotice}
        {message && <Notice kind="error">{message}</Notice>}
        {askOrg && !submit.message && <Notice kind="info">{PROBLEM_MESSAGES.org_required}</Notice>}
        <form onSubmit={onSubmit} noValidate>
          <SignInEmailField id="signin-email" label="Email" value={email} onInput={setEmail} error={submit.fields.email} />
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
        <p class="signin-divider">or</p>
        <div class="actions start">
          <button type="button" class="button-secondary" onClick={() => useOther(email, 'code')}>
            Email me a code
          </button>
          <button type="button" class="button-secondary" onClick={() => useOther(email, 'sso')}>
            Sign in with single sign-on
          </button>
        </div>
        <p class="hint">
          A one-time code signs you in without a password, and single sign-on through your organization’s identity provider, where your
          organization allows it.
        </p>
      </section>
    </PublicLayout>
  );
}
