import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import type { InvitationView, Member } from '../../api/types';
import { describedBy, Field } from '../../components/Field';
import { Notice } from '../../components/Notice';
import { PasswordField } from '../../components/PasswordField';
import { useSubmit } from '../../hooks/useSubmit';
import { formatDateTime } from '../../lib/dates';

const FIELDS = ['first_name', 'last_name', 'phone', 'password', 'eula_accepted', 'two_factor_channel'] as const;

interface Props {
  token: string;
  invitation: InvitationView;
  onAccepted: (member: Member) => void;
}

/** The self-registration form of an invitation (SPEC rule 6). */
export function AcceptForm({ token, invitation, onAccepted }: Props) {
  const needsPassword = invitation.requires?.password ?? true;
  const needs2fa = invitation.requires?.two_factor_channel ?? false;
  const [firstName, setFirstName] = useState(invitation.first_name ?? '');
  const [lastName, setLastName] = useState(invitation.last_name ?? '');
  const [phone, setPhone] = useState('');
  const [password, setPassword] = useState('');
  const [eula, setEula] = useState(false);
  const [channel, setChannel] = useState<'email' | 'mobile' | ''>('');
  const submit = useSubmit(FIELDS);
  const { fields } = submit;

  const onSubmit = (event: Event) => {
    event.preventDefault();
    void submit.run(async () => {
      const member = await call(
        api.POST('/v1/invitations/{token}/accept', {
          params: { path: { token } },
          body: {
            first_name: firstName,
            last_name: lastName,
            phone,
            eula_accepted: eula,
            ...(needsPassword ? { password } : {}),
            ...(needs2fa && channel ? { two_factor_channel: channel } : {}),
          },
        }),
      );
      onAccepted(member);
    });
  };

  return (
    <section class="card narrow" aria-labelledby="accept-title">
      <p class="eyebrow">Invitation</p>
      <h1 id="accept-title">Join {invitation.org?.name}</h1>
      <p>
        Create your account to join <strong>{invitation.org?.name}</strong>.
        {invitation.expires_at && <> This invitation expires on {formatDateTime(invitation.expires_at)}.</>}
      </p>
      {submit.message && <Notice kind="error">{submit.message}</Notice>}
      <form onSubmit={onSubmit} noValidate>
        <Field id="accept-email" label="Email" hint="Your invitation was sent to this address; it can't be changed here.">
          <input type="email" readOnly value={invitation.email} {...describedBy('accept-email', true)} />
        </Field>
        <div class="row">
          <Field id="accept-first" label="First name" error={fields.first_name}>
            <input
              required
              autocomplete="given-name"
              value={firstName}
              onInput={(e) => setFirstName(e.currentTarget.value)}
              {...describedBy('accept-first', false, fields.first_name)}
            />
          </Field>
          <Field id="accept-last" label="Last name" error={fields.last_name}>
            <input
              required
              autocomplete="family-name"
              value={lastName}
              onInput={(e) => setLastName(e.currentTarget.value)}
              {...describedBy('accept-last', false, fields.last_name)}
            />
          </Field>
        </div>
        <Field id="accept-phone" label="Mobile number" hint="For example +1 555 010 0100." error={fields.phone}>
          <input
            type="tel"
            required
            autocomplete="tel"
            value={phone}
            onInput={(e) => setPhone(e.currentTarget.value)}
            {...describedBy('accept-phone', true, fields.phone)}
          />
        </Field>
        {needsPassword && (
          <PasswordField
            id="accept-password"
            label="Password"
            value={password}
            onInput={setPassword}
            error={fields.password}
            autocomplete="new-password"
            strength
          />
        )}
        {needs2fa && (
          <fieldset class="field" aria-describedby={fields.two_factor_channel ? 'accept-2fa-error' : 'accept-2fa-hint'}>
            <legend>Two-step verification</legend>
            <p class="hint" id="accept-2fa-hint">
              Your organization requires a second step when you sign in. Where should we send your codes?
            </p>
            <label class="choice">
              <input type="radio" name="channel" value="email" checked={channel === 'email'} onChange={() => setChannel('email')} /> By
              email
            </label>
            <label class="choice">
              <input type="radio" name="channel" value="mobile" checked={channel === 'mobile'} onChange={() => setChannel('mobile')} />{' '}
              By text message to my mobile
            </label>
            {fields.two_factor_channel && (
              <p class="field-error" id="accept-2fa-error">
                {fields.two_factor_channel}
              </p>
            )}
          </fieldset>
        )}
        <div class={fields.eula_accepted ? 'field field-invalid' : 'field'}>
          <label class="choice">
            <input
              type="checkbox"
              checked={eula}
              onChange={(e) => setEula(e.currentTarget.checked)}
              aria-describedby={fields.eula_accepted ? 'accept-eula-error' : undefined}
              aria-invalid={fields.eula_accepted ? true : undefined}
            />{' '}
            I accept the end-user license agreement
            {invitation.requires?.eula_version && <> (version {invitation.requires.eula_version})</>}
          </label>
          {fields.eula_accepted && (
            <p class="field-error" id="accept-eula-error">
              {fields.eula_accepted}
            </p>
          )}
        </div>
        <div class="actions">
          <button type="submit" class="button-primary" disabled={submit.busy}>
            {submit.busy ? 'Creating your account…' : 'Create account'}
          </button>
        </div>
      </form>
    </section>
  );
}
