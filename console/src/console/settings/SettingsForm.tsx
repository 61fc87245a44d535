import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import type { LoginMethod, Org, OrgPatch, SsoConnection } from '../../api/types';
import { describedBy, Field } from '../../components/Field';
import { LoginMethodChoices } from '../../components/LoginMethodChoices';
import { Notice } from '../../components/Notice';
import { useSubmit } from '../../hooks/useSubmit';
import { noMethodProblem, sameMethods, ssoUnavailable } from '../../lib/loginMethods';
import { useConsole } from '../context';

const FIELDS = ['seat_limit', 'invite_ttl_days', 'enrollment_approval', 'members_can_invite', 'login_methods', 'require_2fa', 'eula_version'] as const;
/** Single sign-on not ready yet is about the sign-in methods. */
const CODE_FIELDS = { sso_not_ready: 'login_methods' } as const;

/** What happens to this very session when the method it began with is no longer allowed. */
const LOSING_OWN_METHOD: Record<string, string> = {
  password: 'You signed in with a password. Without it, your session ends when it next renews (within minutes), unless your own sign-in methods still allow it: then sign in with a code.',
  email_otp: 'You signed in with a code. Without codes, your session ends when it next renews (within minutes), unless your own sign-in methods still allow them: then sign in with your password.',
  sso: 'You signed in with single sign-on. Without it, your session ends when it next renews (within minutes), unless your own sign-in methods still allow it: then sign in another way.',
};

interface Props {
  org: Org;
  /** The org's single sign-on connection (null: none; undefined: not known yet), which decides whether `sso` can be chosen. */
  sso: SsoConnection | null | undefined;
  onSaving: () => void;
  onSaved: () => void;
}

/** Seats, invitations, approvals, sign-in methods, 2FA and the EULA version. Sends only what changed. */
export function SettingsForm({ org, sso, onSaving, onSaved }: Props) {
  const { session, reloadOrg } = useConsole();
  const [seatLimit, setSeatLimit] = useState(org.seat_limit == null ? '' : String(org.seat_limit));
  const [ttl, setTtl] = useState(String(org.invite_ttl_days ?? 7));
  const [approval, setApproval] = useState(!!org.enrollment_approval);
  const [membersInvite, setMembersInvite] = useState(!!org.members_can_invite);
  const [methods, setMethods] = useState<LoginMethod[]>(org.login_methods ?? []);
  const [twoFactor, setTwoFactor] = useState(!!org.require_2fa);
  const [eula, setEula] = useState(org.eula_version ?? '');
  const submit = useSubmit(FIELDS, CODE_FIELDS);
  const { fields } = submit;

  const patch: OrgPatch = {};
  const limit = seatLimit.trim() === '' ? null : Number(seatLimit);
  if (limit !== (org.seat_limit ?? null)) patch.seat_limit = limit;
  if (Number(ttl) !== org.invite_ttl_days) patch.invite_ttl_days = Number(ttl);
  if (approval !== !!org.enrollment_approval) patch.enrollment_approval = approval;
  if (membersInvite !== !!org.members_can_invite) patch.members_can_invite = membersInvite;
  if (!sameMethods(methods, org.login_methods ?? [])) patch.login_methods = methods;
  if (twoFactor !== !!org.require_2fa) patch.require_2fa = twoFactor;
  if (eula.trim() !== (org.eula_version ?? '')) patch.eula_version = eula.trim();
  const dirty = Object.keys(patch).length > 0;

  const onSubmit = (event: Event) => {
    event.preventDefault();
    onSaving();
    void submit.run(async () => {
      if (methods.length === 0) throw noMethodProblem();
      await call(api.PATCH('/v1/orgs/{org}', { params: { path: { org: session.orgId } }, body: patch }));
      onSaved();
      reloadOrg();
    });
  };
  const losingOwn = session.method && (org.login_methods ?? []).includes(session.method) && !methods.includes(session.method);

  return (
    <form class="panel" onSubmit={onSubmit} noValidate aria-labelledby="settings-form-title">
      <h2 id="settings-form-title">Organization</h2>
      {submit.message && <Notice kind="error">{submit.message}</Notice>}
      <p class="small">
        Plan: <strong>{org.plan === 'paid' ? 'Paid' : 'Free'}</strong> (changed by the operator). Seats used:{' '}
        <strong data-testid="seats-used">
          {org.seats_used ?? '—'}
          {org.seat_limit != null ? ` of ${org.seat_limit}` : ' (no limit)'}
        </strong>
      </p>
      <div class="row">
        <Field id="settings-seats" label="Seat limit" hint="Leave empty for no limit." error={fields.seat_limit}>
          <input
            type="number"
            min={0}
            inputMode="numeric"
            value={seatLimit}
            onInput={(e) => setSeatLimit(e.currentTarget.value)}
            {...describedBy('settings-seats', true, fields.seat_limit)}
          />
        </Field>
        <Field id="settings-ttl" label="Invitations are valid for (days)" hint="1 to 90 days." error={fields.invite_ttl_days}>
          <input
            type="number"
            min={1}
            max={90}
            inputMode="numeric"
            value={ttl}
            onInput={(e) => setTtl(e.currentTarget.value)}
            {...describedBy('settings-ttl', true, fields.invite_ttl_days)}
          />
        </Field>
      </div>
      <fieldset class="field">
        <legend>Joining</legend>
        <label class="choice">
          <input type="checkbox" checked={approval} onChange={(e) => setApproval(e.currentTarget.checked)} /> People invited by non-admins
          need an admin’s approval
        </label>
        <label class="choice">
          <input type="checkbox" checked={membersInvite} onChange={(e) => setMembersInvite(e.currentTarget.checked)} /> Members may invite
          people
        </label>
      </fieldset>
      <fieldset class={fields.login_methods ? 'field field-invalid' : 'field'} aria-describedby={fields.login_methods ? 'settings-methods-error' : undefined}>
        <legend>Ways to sign in</legend>
        <p class="hint" id="settings-methods-hint">
          At least one. An org admin can still allow other ways for one member, on the member’s page.
        </p>
        <LoginMethodChoices
          id="settings-method"
          value={methods}
          onChange={setMethods}
          describedBy="settings-methods-hint"
          unavailable={{ sso: ssoUnavailable(sso, 'settings') }}
        />
        {losingOwn && session.method && <p class="small warning-text">{LOSING_OWN_METHOD[session.method]}</p>}
        {fields.login_methods && (
          <p class="field-error" id="settings-methods-error">
            {fields.login_methods}
          </p>
        )}
        <label class="choice">
          <input
            type="checkbox"
            checked={twoFactor}
            onChange={(e) => setTwoFactor(e.currentTarget.checked)}
            aria-describedby={fields.require_2fa ? 'settings-2fa-error' : undefined}
          />{' '}
          Require two-step verification (2FA)
        </label>
        {fields.require_2fa && (
          <p class="field-error" id="settings-2fa-error">
            {fields.require_2fa}
          </p>
        )}
      </fieldset>
      <Field id="settings-eula" label="EULA version" hint="People accept this version when they join." error={fields.eula_version}>
        <input value={eula} onInput={(e) => setEula(e.currentTarget.value)} {...describedBy('settings-eula', true, fields.eula_version)} />
      </Field>
      <div class="actions">
        <button type="submit" class="button-primary" disabled={!dirty || submit.busy}>
          {submit.busy ? 'Saving…' : 'Save settings'}
        </button>
      </div>
    </form>
  );
}
