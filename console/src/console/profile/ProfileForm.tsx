import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import { describedBy, Field } from '../../components/Field';
import { Notice } from '../../components/Notice';
import { useSubmit } from '../../hooks/useSubmit';
import { useConsole } from '../context';

const FIELDS = ['first_name', 'last_name', 'phone'] as const;

export function ProfileForm({ onSaving, onSaved }: { onSaving: () => void; onSaved: () => void }) {
  const { me, reloadMe } = useConsole();
  const [firstName, setFirstName] = useState(me.first_name ?? '');
  const [lastName, setLastName] = useState(me.last_name ?? '');
  const [phone, setPhone] = useState(me.phone ?? '');
  const submit = useSubmit(FIELDS);
  const { fields } = submit;
  const dirty = firstName !== (me.first_name ?? '') || lastName !== (me.last_name ?? '') || phone !== (me.phone ?? '');

  const onSubmit = (event: Event) => {
    event.preventDefault();
    onSaving();
    void submit.run(async () => {
      await call(api.PATCH('/v1/me', { body: { first_name: firstName, last_name: lastName, phone } }));
      onSaved();
      reloadMe();
    });
  };
  return (
    <form class="panel" onSubmit={onSubmit} noValidate aria-labelledby="profile-form-title">
      <h2 id="profile-form-title">Your details</h2>
      {submit.message && <Notice kind="error">{submit.message}</Notice>}
      <Field id="profile-email" label="Email" hint="Your sign-in email. Change it under “Change email”.">
        <input type="email" readOnly value={me.email} {...describedBy('profile-email', true)} />
      </Field>
      <Field id="profile-first" label="First name" error={fields.first_name}>
        <input autocomplete="given-name" value={firstName} onInput={(e) => setFirstName(e.currentTarget.value)} {...describedBy('profile-first', false, fields.first_name)} />
      </Field>
      <Field id="profile-last" label="Last name" error={fields.last_name}>
        <input autocomplete="family-name" value={lastName} onInput={(e) => setLastName(e.currentTarget.value)} {...describedBy('profile-last', false, fields.last_name)} />
      </Field>
      <Field id="profile-phone" label="Mobile number" error={fields.phone}>
        <input type="tel" autocomplete="tel" value={phone} onInput={(e) => setPhone(e.currentTarget.value)} {...describedBy('profile-phone', false, fields.phone)} />
      </Field>
      <div class="actions">
        <button type="submit" class="button-primary" disabled={!dirty || submit.busy}>
          {submit.busy ? 'Saving…' : 'Save'}
        </button>
      </div>
    </form>
  );
}
