import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import { describedBy, Field } from '../../components/Field';
import { Notice } from '../../components/Notice';
import { useSubmit } from '../../hooks/useSubmit';
import { PublicLayout } from '../PublicLayout';
import { WaitingForApproval } from '../WaitingForApproval';

const FIELDS = ['email', 'first_name', 'last_name', 'phone'] as const;

/** What the person asking to join reads, where the admin's wording would not fit. (The API
 * answers a join request the same for every email; an address that already has an account
 * is told by email what to do instead.) */
const JOIN_MESSAGES: Record<string, string> = {
  not_found: 'This join link is no longer valid: it may have been replaced. Ask your admin for the current link.',
};

/** `/join/{code}`: ask to join an organization through its public invite link. */
export function JoinPage({ code }: { code: string }) {
  const [email, setEmail] = useState('');
  const [firstName, setFirstName] = useState('');
  const [lastName, setLastName] = useState('');
  const [phone, setPhone] = useState('');
  const [sent, setSent] = useState<string | null>(null);
  // The org's name once the link is known to lead somewhere; null while loading or unknown.
  const [orgName, setOrgName] = useState<string | null>(null);
  const submit = useSubmit(FIELDS);
  useEffect(() => {
    void api
      .GET('/v1/join/{code}', { params: { path: { code } } })
      .then((answer) => setOrgName(answer.data?.org.name ?? null))
      .catch(() => setOrgName(null));
  }, [code]);
  const { fields } = submit;

  const onSubmit = (event: Event) => {
    event.preventDefault();
    void submit.run(async () => {
      const answer = await call(
        api.POST('/v1/join/{code}', { params: { path: { code } }, body: { email, first_name: firstName, last_name: lastName, phone } }),
      );
      setSent(answer.email);
    });
  };

  if (sent) {
    return (
      <PublicLayout>
        <WaitingForApproval email={sent} orgName={orgName ?? undefined} joinRequest />
      </PublicLayout>
    );
  }
  const special = submit.problem && JOIN_MESSAGES[submit.problem.status === 404 ? 'not_found' : submit.problem.code];
  return (
    <PublicLayout>
      <section class="card narrow" aria-labelledby="join-title">
        <p class="eyebrow">Request to join</p>
        <h1 id="join-title">Ask to join {orgName ?? 'the organization'}</h1>
        <p>Fill in your details. An admin of the organization will review your request.</p>
        {submit.message && (
          <Notice kind="error">
            {special ?? submit.message}
          </Notice>
        )}
        <form onSubmit={onSubmit} noValidate>
          <Field id="join-email" label="Work email" error={fields.email}>
            <input
              type="email"
              required
              autocomplete="email"
              value={email}
              onInput={(e) => setEmail(e.currentTarget.value)}
              {...describedBy('join-email', false, fields.email)}
            />
          </Field>
          <div class="row">
            <Field id="join-first" label="First name" error={fields.first_name}>
              <input
                required
                autocomplete="given-name"
                value={firstName}
                onInput={(e) => setFirstName(e.currentTarget.value)}
                {...describedBy('join-first', false, fields.first_name)}
              />
            </Field>
            <Field id="join-last" label="Last name" error={fields.last_name}>
              <input
                required
                autocomplete="family-name"
                value={lastName}
                onInput={(e) => setLastName(e.currentTarget.value)}
                {...describedBy('join-last', false, fields.last_name)}
              />
            </Field>
          </div>
          <Field id="join-phone" label="Mobile number" hint="For example +1 555 010 0100." error={fields.phone}>
            <input
              type="tel"
              required
              autocomplete="tel"
              value={phone}
              onInput={(e) => setPhone(e.currentTarget.value)}
              {...describedBy('join-phone', true, fields.phone)}
            />
          </Field>
          <div class="actions">
            <button type="submit" class="button-primary" disabled={submit.busy}>
              {submit.busy ? 'Sending…' : 'Send request'}
            </button>
          </div>
        </form>
      </section>
    </PublicLayout>
  );
}
