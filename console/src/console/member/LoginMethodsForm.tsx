import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import type { LoginMethod, Member } from '../../api/types';
import { LoginMethodChoices } from '../../components/LoginMethodChoices';
import { Notice } from '../../components/Notice';
import { useSubmit } from '../../hooks/useSubmit';
import { fullName } from '../../lib/labels';
import { loginMethodsSentence, noMethodProblem, sameMethods, ssoUnavailable } from '../../lib/loginMethods';
import { useConsole } from '../context';
import { useSsoConnection } from '../settings/useSsoConnection';

type Choice = { follow: true } | { follow: false; methods: LoginMethod[] };

function sameChoice(a: Choice, b: Choice): boolean {
  if (a.follow || b.follow) return a.follow === b.follow;
  return sameMethods(a.methods, b.methods);
}

/** The member's choice as the API shows it: its own methods, or none while it follows the org. */
function shownChoice(member: Member): Choice {
  return member.login_methods?.length ? { follow: false, methods: member.login_methods } : { follow: true };
}

/**
 * How one member may sign in: as the org says, or a set of their own (`login_methods` in
 * the member PATCH, `null` to follow the org).
 */
export function LoginMethodsForm({ member, onSaved }: { member: Member; onSaved: (message: string) => void }) {
  const { org } = useConsole();
  const sso = useSsoConnection(member.org_id);
  const orgMethods = org?.login_methods ?? [];
  const current = shownChoice(member);
  const [follow, setFollow] = useState(current.follow);
  const [methods, setMethods] = useState<LoginMethod[]>(current.follow ? orgMethods : current.methods);
  // What was saved last from here (the member's answer then is the same, once the API shows it).
  const [saved, setSaved] = useState<Choice>(current);
  const submit = useSubmit(['login_methods'], { sso_not_ready: 'login_methods' });
  const choice: Choice = follow ? { follow: true } : { follow: false, methods };
  const who = fullName(member);

  const onSubmit = (event: Event) => {
    event.preventDefault();
    void submit.run(async () => {
      if (!choice.follow && choice.methods.length === 0) throw noMethodProblem();
      await call(
        api.PATCH('/v1/orgs/{org}/members/{member}', {
          params: { path: { org: member.org_id, member: member.id } },
          body: { login_methods: choice.follow ? null : choice.methods },
        }),
      );
      setSaved(choice);
      onSaved(
        choice.follow
          ? `${who} now signs in the ways the organization allows.`
          : `${who} may now sign in with: ${loginMethodsSentence(choice.methods)}.`,
      );
    });
  };

  const error = submit.fields.login_methods;
  return (
    <form onSubmit={onSubmit} noValidate>
      <p class="small" data-testid="member-methods-now">
        {saved.follow
          ? `${who} signs in the ways the organization allows: ${loginMethodsSentence(orgMethods)}.`
          : `${who} may sign in only with: ${loginMethodsSentence(saved.methods)} (the organization allows ${loginMethodsSentence(orgMethods)}).`}
      </p>
      {submit.message && <Notice kind="error">{submit.message}</Notice>}
      <fieldset class={error ? 'field field-invalid' : 'field'} aria-describedby={error ? 'member-methods-error' : undefined}>
        <legend>How {who} signs in</legend>
        <label class="choice" for="member-methods-follow">
          <input type="radio" id="member-methods-follow" name="member-methods" checked={follow} onChange={() => setFollow(true)} /> Follow
          the organization
        </label>
        <label class="choice" for="member-methods-custom">
          <input type="radio" id="member-methods-custom" name="member-methods" checked={!follow} onChange={() => setFollow(false)} />{' '}
          Only these ways, for this member
        </label>
        <div class="choice-group">
          <LoginMethodChoices
            id="member-method"
            value={methods}
            onChange={setMethods}
            disabled={follow}
            unavailable={{ sso: ssoUnavailable(sso.data, 'member') }}
          />
        </div>
        {error && (
          <p class="field-error" id="member-methods-error">
            {error}
          </p>
        )}
      </fieldset>
      <div class="actions">
        <button type="submit" class="button-primary" disabled={sameChoice(choice, saved) || submit.busy}>
          {submit.busy ? 'Saving…' : 'Save sign-in methods'}
        </button>
      </div>
    </form>
  );
}
