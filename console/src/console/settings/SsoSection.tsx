import { useState } from 'preact/hooks';
import { startSso } from '../../api/auth';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import type { Org, SsoConnection, SsoJit } from '../../api/types';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { describedBy, Field } from '../../components/Field';
import { LoadError, Loading, Notice } from '../../components/Notice';
import type { Resource } from '../../hooks/useResource';
import { useSubmit } from '../../hooks/useSubmit';
import { formatDateTime } from '../../lib/dates';
import { parseDomains, rememberSsoTest, ssoStartUrl } from '../auth/sso';
import { useConsole } from '../context';
import { CopyButton } from '../invite-link/CopyButton';
import { SsoDomains } from './SsoDomains';
import { savedNotice } from './domainVerification';

const FIELDS = ['issuer', 'client_id', 'client_secret', 'email_domains', 'jit'] as const;
/** A domain another org's connection claims is about the domains. */
const CODE_FIELDS = { sso_domain_claimed: 'email_domains' } as const;

const JIT_CHOICES: [SsoJit, string][] = [
  ['off', 'No: only people who already have an account here sign in'],
  ['licensed', 'Yes, licensed at once (each takes a seat)'],
  ['approval', 'Yes, waiting for an admin’s approval (in the Pending tab)'],
];

/**
 * The org's single sign-on connection (an OpenID Connect identity provider): set it (the
 * client secret is never answered, so each save sends it again), copy the redirect URI into
 * the provider, prove each email domain the org's own (a DNS TXT record), test it (a sign-in
 * through it, after which `sso` can be a sign-in method), or remove it.
 */
export function SsoSection({ org, sso }: { org: Org; sso: Resource<SsoConnection | null> }) {
  return (
    <section class="panel" aria-labelledby="sso-title">
      <h2 id="sso-title">Single sign-on</h2>
      <p class="small">
        People sign in through your organization’s identity provider (OpenID Connect, such as Microsoft Entra ID, Okta or Google). Set up
        the connection here, test it, then allow single sign-on among the ways to sign in above.
      </p>
      {sso.data === undefined ? (
        sso.state === 'error' ? (
          <LoadError problem={sso.problem} onRetry={sso.reload} />
        ) : (
          <Loading what="single sign-on" />
        )
      ) : (
        <SsoForm org={org} connection={sso.data} onChanged={sso.reload} />
      )}
    </section>
  );
}

function SsoForm({ org, connection, onChanged }: { org: Org; connection: SsoConnection | null; onChanged: () => void }) {
  const { session } = useConsole();
  const [issuer, setIssuer] = useState(connection?.issuer ?? '');
  const [clientId, setClientId] = useState(connection?.client_id ?? '');
  const [secret, setSecret] = useState('');
  const [domains, setDomains] = useState((connection?.email_domains ?? []).join(', '));
  const [jit, setJit] = useState<SsoJit>(connection?.jit ?? 'off');
  const [flash, setFlash] = useState<string | null>(null);
  const [removing, setRemoving] = useState(false);
  const submit = useSubmit(FIELDS, CODE_FIELDS);
  const test = useSubmit();
  const { fields } = submit;
  const params = { params: { path: { org: session.orgId } } };
  const inUse = (org.login_methods ?? []).includes('sso');

  const onSubmit = (event: Event) => {
    event.preventDefault();
    setFlash(null);
    void submit.run(async () => {
      const saved = await call(
        api.PUT('/v1/orgs/{org}/sso', {
          ...params,
          body: { issuer: issuer.trim(), client_id: clientId.trim(), client_secret: secret.trim(), email_domains: parseDomains(domains), jit },
        }),
      );
      setSecret('');
      setDomains(saved.email_domains.join(', '));
      setFlash(savedNotice(saved));
      onChanged();
    });
  };

  const onTest = () => {
    setFlash(null);
    void test.run(async () => {
      const provider = await startSso(ssoStartUrl({ org: org.id }));
      rememberSsoTest(org.id);
      window.location.assign(provider);
    });
  };

  // Before the first save, the API's callback at this very address (the pages and the API share it).
  const redirectUri = connection?.redirect_uri ?? `${location.origin}/v1/auth/sso/callback`;
  const secretHint = connection?.client_secret_set
    ? 'A secret is set. It is never shown again: enter it each time you save the connection.'
    : 'From the identity provider, where you registered Roster as an application.';
  return (
    <>
      {flash && <Notice kind="success">{flash}</Notice>}
      {connection ? (
        <dl class="facts" data-testid="sso-status">
          <dt>Status</dt>
          <dd>{connection.tested_at ? `Tested on ${formatDateTime(connection.tested_at)}` : 'Not tested yet'}</dd>
          <dt>Client secret</dt>
          <dd>A secret is set</dd>
          <dt>Saved</dt>
          <dd>{formatDateTime(connection.updated_at)}</dd>
        </dl>
      ) : (
        <p>No single sign-on is set up.</p>
      )}
      <div class="field">
        <label for="sso-redirect-uri">Redirect URI</label>
        <div class="copy-row">
          <input id="sso-redirect-uri" readOnly value={redirectUri} onFocus={(e) => e.currentTarget.select()} aria-describedby="sso-redirect-uri-hint" />
          <CopyButton text={redirectUri} label="Copy" what="redirect URI" />
        </div>
        <p class="hint" id="sso-redirect-uri-hint">
          Register it with the identity provider as the application’s redirect (callback) URI; the provider then gives you the client ID
          and secret.
        </p>
      </div>
      {submit.message && <Notice kind="error">{submit.message}</Notice>}
      <form onSubmit={onSubmit} noValidate aria-label="Single sign-on connection">
        <Field id="sso-issuer" label="Issuer URL" hint="The identity provider’s issuer, e.g. https://login.example.com." error={fields.issuer}>
          <input
            type="url"
            required
            autocomplete="off"
            spellcheck={false}
            value={issuer}
            onInput={(e) => setIssuer(e.currentTarget.value)}
            {...describedBy('sso-issuer', true, fields.issuer)}
          />
        </Field>
        <div class="row">
          <Field id="sso-client-id" label="Client ID" error={fields.client_id}>
            <input
              required
              autocomplete="off"
              spellcheck={false}
              value={clientId}
              onInput={(e) => setClientId(e.currentTarget.value)}
              {...describedBy('sso-client-id', false, fields.client_id)}
            />
          </Field>
          <Field id="sso-client-secret" label="Client secret" hint={secretHint} error={fields.client_secret}>
            <input
              type="password"
              required
              autocomplete="new-password"
              value={secret}
              onInput={(e) => setSecret(e.currentTarget.value)}
              {...describedBy('sso-client-secret', true, fields.client_secret)}
            />
          </Field>
        </div>
        <Field
          id="sso-domains"
          label="Email domains"
          hint="People with an email in these domains sign in with “Sign in with single sign-on” once the domain is verified (below). Separate them with commas; each belongs to the organization that verifies it first."
          error={fields.email_domains}
        >
          <textarea
            rows={2}
            spellcheck={false}
            value={domains}
            onInput={(e) => setDomains(e.currentTarget.value)}
            {...describedBy('sso-domains', true, fields.email_domains)}
          />
        </Field>
        <fieldset class={fields.jit ? 'field field-invalid' : 'field'} aria-describedby="sso-jit-hint">
          <legend>Accounts for newcomers</legend>
          <p class="hint" id="sso-jit-hint">
            Whether someone of these email domains whom the identity provider signs in, but who has no account here, gets one (only while
            single sign-on is a way to sign in).
          </p>
          {JIT_CHOICES.map(([value, label]) => (
            <label class="choice" key={value} for={`sso-jit-${value}`}>
              <input type="radio" id={`sso-jit-${value}`} name="sso-jit" checked={jit === value} onChange={() => setJit(value)} /> {label}
            </label>
          ))}
          {fields.jit && <p class="field-error">{fields.jit}</p>}
        </fieldset>
        <div class="actions">
          <button type="submit" class="button-primary" disabled={submit.busy}>
            {submit.busy ? 'Saving…' : connection ? 'Save single sign-on' : 'Set up single sign-on'}
          </button>
        </div>
      </form>
      {connection && <SsoDomains orgId={org.id} connection={connection} onVerified={onChanged} />}
      {connection && (
        <>
          <h3 class="subhead">Test and remove</h3>
          {test.message && <Notice kind="error">{test.message}</Notice>}
          <p class="small" id="sso-test-hint">
            “Test sign-in” takes you to the identity provider and back, with the saved connection. Sign in there as someone who has an account
            here: once it works, single sign-on can be allowed among the ways to sign in.
          </p>
          <div class="actions start">
            <button type="button" class="button-secondary" disabled={test.busy} aria-describedby="sso-test-hint" onClick={onTest}>
              {test.busy ? 'Starting…' : 'Test sign-in'}
            </button>
            <button type="button" class="button-danger-outline" onClick={() => setRemoving(true)}>
              Remove single sign-on
            </button>
          </div>
        </>
      )}
      {removing && (
        <ConfirmDialog
          title="Remove single sign-on?"
          confirmLabel="Remove single sign-on"
          danger
          onClose={() => setRemoving(false)}
          onConfirm={async () => {
            await call(api.DELETE('/v1/orgs/{org}/sso', params));
            setFlash('Single sign-on was removed.');
            onChanged();
          }}
        >
          <p>
            No one can sign in through the identity provider any more, and its email domains are free for another organization.
            {inUse && ' The organization still signs in with single sign-on: take it out of the ways to sign in above first.'}
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
