import { useEffect, useState } from 'preact/hooks';
import { toProblem } from '../../api/problem';
import type { SsoConnection, SsoDomain } from '../../api/types';
import { Notice } from '../../components/Notice';
import { CopyButton } from '../invite-link/CopyButton';
import { domainState, verifySsoDomain, verifyProblem } from './domainVerification';

/**
 * The connection's email domains, each verified (since when) or waiting for the DNS TXT record
 * that proves the org owns it: the record to add, with copy buttons, and a Verify button that
 * has the API look it up. Sign-ins by email reach the org only for its verified domains.
 */
export function SsoDomains({ orgId, connection, onVerified }: { orgId: string; connection: SsoConnection; onVerified: () => void }) {
  const [domains, setDomains] = useState(connection.domains);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [verified, setVerified] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  useEffect(() => {
    // The connection as loaded again (after a save, or after a verification).
    setDomains(connection.domains);
    setErrors({});
  }, [connection]);

  const verify = async (domain: string) => {
    if (busy) return;
    setBusy(domain);
    setVerified(null);
    setErrors(({ [domain]: _, ...others }) => others);
    try {
      const now = await verifySsoDomain(orgId, domain);
      setDomains(now.domains);
      setVerified(domain);
      onVerified();
    } catch (error) {
      setErrors((others) => ({ ...others, [domain]: verifyProblem(toProblem(error), domain) }));
    } finally {
      setBusy(null);
    }
  };

  if (domains.length === 0) return null;
  return (
    <>
      <h3 class="subhead" id="sso-domains-title">
        Domain ownership
      </h3>
      <p class="small">
        Sign-ins by work email reach your identity provider only for the domains your organization has proved are its own, with a DNS
        TXT record.
      </p>
      <ul class="domain-list" aria-labelledby="sso-domains-title">
        {domains.map((domain, index) => (
          <DomainItem
            key={domain.domain}
            domain={domain}
            index={index}
            busy={busy === domain.domain}
            disabled={busy !== null}
            error={errors[domain.domain]}
            justVerified={verified === domain.domain}
            onVerify={() => void verify(domain.domain)}
          />
        ))}
      </ul>
    </>
  );
}

interface ItemProps {
  domain: SsoDomain;
  index: number;
  busy: boolean;
  disabled: boolean;
  error?: string;
  justVerified: boolean;
  onVerify: () => void;
}

function DomainItem({ domain, index, busy, disabled, error, justVerified, onVerify }: ItemProps) {
  const state = domainState(domain);
  const id = `sso-domain-${index}`;
  return (
    <li class="domain-item" data-testid="sso-domain">
      <p class="domain-head">
        <span class="domain-name">{domain.domain}</span>{' '}
        <span class={`badge badge-${state.kind}`}>{state.label}</span>
        {state.kind === 'verified' && <span class="small"> {state.since}</span>}
      </p>
      {justVerified && <Notice kind="success">{`${domain.domain} is verified: sign-ins by email for it now go to your identity provider.`}</Notice>}
      {state.kind === 'waiting' && (
        <>
          <p class="hint" id={`${id}-hint`}>
            Add this TXT record at your DNS provider, then Verify.
          </p>
          <div class="field">
            <label for={`${id}-name`}>TXT record name</label>
            <div class="copy-row">
              <input id={`${id}-name`} readOnly spellcheck={false} value={domain.dns_record_name} onFocus={(e) => e.currentTarget.select()} />
              <CopyButton text={domain.dns_record_name} label="Copy name" what="record name" />
            </div>
          </div>
          <div class="field">
            <label for={`${id}-value`}>TXT record value</label>
            <div class="copy-row">
              <input id={`${id}-value`} readOnly spellcheck={false} value={domain.dns_record_value} onFocus={(e) => e.currentTarget.select()} />
              <CopyButton text={domain.dns_record_value} label="Copy value" what="record value" />
            </div>
          </div>
          {error && <Notice kind="error">{error}</Notice>}
          <div class="actions start">
            <button
              type="button"
              class="button-secondary"
              disabled={disabled}
              aria-label={busy ? `Verifying ${domain.domain}…` : `Verify ${domain.domain}`}
              aria-describedby={`${id}-hint`}
              onClick={onVerify}
            >
              {busy ? 'Verifying…' : 'Verify'}
            </button>
          </div>
        </>
      )}
    </li>
  );
}
