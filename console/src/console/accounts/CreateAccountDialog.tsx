import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import type { AccountKind, Member } from '../../api/types';
import { Dialog } from '../../components/Dialog';
import { describedBy, Field } from '../../components/Field';
import { Link } from '../../components/Link';
import { Notice } from '../../components/Notice';
import { EMAIL_CONFLICTS } from '../../errors/messages';
import { useSubmit } from '../../hooks/useSubmit';
import { useConsole } from '../context';
import { PlacementFields } from '../placement/PlacementFields';
import { usePlacement } from '../placement/usePlacement';
import { accountCreatedSentence, createAccountBody, EMPTY_ACCOUNT, type AccountForm } from './account';

const FIELDS = ['kind', 'email', 'first_name', 'last_name', 'phone', 'position', 'role', 'department_id'] as const;
type Text = 'email' | 'first_name' | 'last_name' | 'phone' | 'position';

const KINDS: { kind: AccountKind; label: string; hint: string }[] = [
  {
    kind: 'full',
    label: 'Licensed account',
    hint: 'They can sign in at once: their sign-in email and a temporary password are emailed to them, and they choose their own password the first time.',
  },
  {
    kind: 'shell',
    label: 'Shell account',
    hint: 'For putting someone on on-call schedules: it can’t sign in, message or be messaged, and no email is sent.',
  },
];

/** Creates an account directly (SPEC rule 10): licensed with a temporary password, or shell-only. */
export function CreateAccountDialog({ onClose, onCreated }: { onClose: () => void; onCreated: () => void }) {
  const { session } = useConsole();
  const placement = usePlacement();
  const [form, setForm] = useState<AccountForm>(EMPTY_ACCOUNT);
  const [created, setCreated] = useState<Member | null>(null);
  const submit = useSubmit(FIELDS, EMAIL_CONFLICTS);
  const { fields } = submit;
  const complete = !!(form.email.trim() && form.first_name.trim() && form.last_name.trim());

  const onSubmit = (event: Event) => {
    event.preventDefault();
    if (!complete) return;
    void submit.run(async () => {
      const member = await call(
        api.POST('/v1/orgs/{org}/accounts', { params: { path: { org: session.orgId } }, body: createAccountBody(form, placement.value) }),
      );
      setCreated(member);
      onCreated();
    });
  };
  const another = () => {
    setForm({ ...EMPTY_ACCOUNT, kind: form.kind });
    setCreated(null);
    submit.clear();
  };
  /** The value, input handler and ARIA attributes of the text control for `key`. */
  const bind = (key: Text, id: string, hint = false) => ({
    value: form[key],
    onInput: (e: { currentTarget: HTMLInputElement }) => setForm({ ...form, [key]: e.currentTarget.value }),
    ...describedBy(id, hint, fields[key]),
  });

  if (created) {
    return (
      <Dialog title="Account created" onClose={onClose} wide>
        <Notice kind="success">{accountCreatedSentence(created)}</Notice>
        <p>
          <Link href={`/members/${created.id}`}>Open their profile</Link>
        </p>
        <div class="actions">
          <button type="button" class="button-secondary" onClick={another}>
            Create another account
          </button>
          <button type="button" class="button-primary" onClick={onClose}>
            Done
          </button>
        </div>
      </Dialog>
    );
  }

  return (
    <Dialog title="Create an account" onClose={onClose} wide>
      {submit.message && <Notice kind="error">{submit.message}</Notice>}
      <form onSubmit={onSubmit} noValidate>
        <fieldset class={fields.kind ? 'field field-invalid' : 'field'} aria-describedby={fields.kind ? 'create-kind-error' : undefined}>
          <legend>Kind of account</legend>
          {KINDS.map(({ kind, label, hint }) => (
            <div key={kind} class="kind-choice">
              <label class="choice">
                <input
                  type="radio"
                  name="create-kind"
                  value={kind}
                  checked={form.kind === kind}
                  onChange={() => setForm({ ...form, kind })}
                  aria-describedby={`create-kind-${kind}-hint`}
                />{' '}
                {label}
              </label>
              <p class="hint" id={`create-kind-${kind}-hint`}>
                {hint}
              </p>
            </div>
          ))}
          {fields.kind && (
            <p class="field-error" id="create-kind-error">
              {fields.kind}
            </p>
          )}
        </fieldset>
        <Field
          id="create-email"
          label="Email"
          hint={form.kind === 'full' ? 'They sign in with it, and the temporary password goes to it.' : 'Their work email: one account per email in the organization.'}
          error={fields.email}
        >
          <input type="email" autocomplete="off" {...bind('email', 'create-email', true)} />
        </Field>
        <div class="row">
          <Field id="create-first" label="First name" error={fields.first_name}>
            <input autocomplete="off" {...bind('first_name', 'create-first')} />
          </Field>
          <Field id="create-last" label="Last name" error={fields.last_name}>
            <input autocomplete="off" {...bind('last_name', 'create-last')} />
          </Field>
        </div>
        <div class="row">
          <Field id="create-phone" label="Mobile number (optional)" error={fields.phone}>
            <input type="tel" autocomplete="off" {...bind('phone', 'create-phone')} />
          </Field>
          <Field id="create-position" label="Position (optional)" error={fields.position}>
            <input autocomplete="off" {...bind('position', 'create-position')} />
          </Field>
        </div>
        <PlacementFields idPrefix="create" placement={placement} errors={fields} />
        <div class="actions">
          <button type="button" class="button-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="button-primary" disabled={submit.busy || !complete}>
            {submit.busy ? 'Creating…' : form.kind === 'shell' ? 'Create shell account' : 'Create account'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
