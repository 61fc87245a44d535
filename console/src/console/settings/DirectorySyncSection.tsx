import { useState } from 'preact/hooks';
import type { HeldDirectoryChange, Org, ScimConnection, ScimToken } from '../../api/types';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { Link } from '../../components/Link';
import { LoadError, Loading, Notice } from '../../components/Notice';
import type { Resource } from '../../hooks/useResource';
import { useSubmit } from '../../hooks/useSubmit';
import { formatDateTime } from '../../lib/dates';
import { useConsole } from '../context';
import { CopyButton } from '../invite-link/CopyButton';
import { heldChangeWords, heldMemberExists, issuedNotice, issueScimToken, revokeScimToken, scimBaseUrl } from './directorySync';
import { useHeldDirectoryChanges, useScimConnection } from './useDirectorySync';

/**
 * The org's directory sync (SCIM 2.0): the base URL and a token (shown once) for its identity
 * provider, which then provisions members and departments; replacing the token (the old one
 * stops at once) or disconnecting; and the directory's changes a freeze window holds.
 */
export function DirectorySyncSection({ org }: { org: Org }) {
  const { session } = useConsole();
  const connection = useScimConnection(session.orgId);
  const held = useHeldDirectoryChanges(session.orgId, org.version);
  return (
    <section class="panel" aria-labelledby="scim-title">
      <h2 id="scim-title">Directory sync (SCIM)</h2>
      <p class="small">
        Give your identity provider (Okta, Microsoft Entra ID) the base URL and the token; it then creates, updates and deactivates members
        and departments here.
      </p>
      {connection.data === undefined ? (
        connection.state === 'error' ? (
          <LoadError problem={connection.problem} onRetry={connection.reload} />
        ) : (
          <Loading what="directory sync" />
        )
      ) : (
        <DirectoryConnection connection={connection.data} onChanged={connection.reload} />
      )}
      <HeldChanges held={held} />
    </section>
  );
}

function DirectoryConnection({ connection, onChanged }: { connection: ScimConnection | null; onChanged: () => void }) {
  const { me, session } = useConsole();
  const [issued, setIssued] = useState<ScimToken | null>(null);
  const [flash, setFlash] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<'replace' | 'disconnect' | null>(null);
  const create = useSubmit();

  const issue = async (replaced: boolean) => {
    setFlash(null);
    setIssued(await issueScimToken(session.orgId));
    setFlash(issuedNotice(replaced));
    onChanged();
  };
  const onCreate = () => {
    if (connection) setConfirming('replace');
    else void create.run(() => issue(false));
  };

  const baseUrl = issued?.base_url ?? scimBaseUrl(connection, location.origin);
  const issuer = (id: string) =>
    id === me.id ? (
      'you'
    ) : (
      <Link href={`/members/${encodeURIComponent(id)}`}>another organization admin</Link>
    );
  return (
    <>
      {flash && <Notice kind="success">{flash}</Notice>}
      {connection ? (
        <dl class="facts" data-testid="scim-status">
          <dt>Status</dt>
          <dd>Connected</dd>
          <dt>Token created</dt>
          <dd>
            {formatDateTime(connection.issued_at)} by {issuer(connection.issued_by)}
          </dd>
        </dl>
      ) : (
        !issued && <p>No directory is connected.</p>
      )}
      <div class="field">
        <label for="scim-base-url">SCIM base URL</label>
        <div class="copy-row">
          <input id="scim-base-url" readOnly spellcheck={false} value={baseUrl} onFocus={(e) => e.currentTarget.select()} />
          <CopyButton text={baseUrl} label="Copy" what="base URL" />
        </div>
      </div>
      {issued && (
        <div class="field token-once">
          <label for="scim-token">Token</label>
          <div class="copy-row">
            <input
              id="scim-token"
              readOnly
              spellcheck={false}
              autocomplete="off"
              value={issued.token}
              onFocus={(e) => e.currentTarget.select()}
              aria-describedby="scim-token-hint"
            />
            <CopyButton text={issued.token} label="Copy token" what="token" />
          </div>
          <p class="hint warning-text" id="scim-token-hint">
            <strong>Copy it now: it will not be shown again.</strong> Your identity provider sends it with each call (as a bearer token). If
            it is lost, replace it.
          </p>
        </div>
      )}
      {create.message && <Notice kind="error">{create.message}</Notice>}
      <div class="actions start">
        <button type="button" class={connection ? 'button-secondary' : 'button-primary'} disabled={create.busy} onClick={onCreate}>
          {create.busy ? 'Creating…' : connection ? 'Replace token' : 'Create token'}
        </button>
        {connection && (
          <button type="button" class="button-danger-outline" onClick={() => setConfirming('disconnect')}>
            Disconnect
          </button>
        )}
      </div>
      {confirming === 'replace' && (
        <ConfirmDialog title="Replace the directory token?" confirmLabel="Replace token" danger onClose={() => setConfirming(null)} onConfirm={() => issue(true)}>
          <p>
            The current token stops working at once: your identity provider’s calls are refused until you give it the new token, which is
            shown once.
          </p>
        </ConfirmDialog>
      )}
      {confirming === 'disconnect' && (
        <ConfirmDialog
          title="Disconnect the directory?"
          confirmLabel="Disconnect"
          danger
          onClose={() => setConfirming(null)}
          onConfirm={async () => {
            await revokeScimToken(session.orgId);
            setIssued(null);
            setFlash('The directory was disconnected: its token no longer works. To connect it again, create a new token.');
            onChanged();
          }}
        >
          <p>
            Your identity provider’s calls stop working at once. The members and departments it added stay as they are; changes made in the
            directory no longer reach them.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}

/** The directory's changes the freeze window holds, in the order they apply when it ends; nothing when there are none. */
function HeldChanges({ held }: { held: Resource<HeldDirectoryChange[]> }) {
  const items = held.data ?? [];
  if (items.length === 0) return held.state === 'error' ? <LoadError problem={held.problem} onRetry={held.reload} /> : null;
  return (
    <>
      <h3 class="subhead" id="scim-held-title">
        Held until the freeze ends
      </h3>
      <p class="small">
        Your directory sent these membership changes during the freeze window. They apply in this order when it ends; changes to names and
        other details applied at once.
      </p>
      {held.state === 'error' && <LoadError problem={held.problem} onRetry={held.reload} />}
      <ol class="held-list" aria-labelledby="scim-held-title">
        {items.map((change) => {
          const words = heldChangeWords(change);
          return (
            <li class="held-item" data-testid="held-change" key={`${change.member_id} ${change.kind} ${change.received_at}`}>
              <span class="badge badge-held">{words.kind}</span>{' '}
              {heldMemberExists(change) ? (
                <Link href={`/members/${encodeURIComponent(change.member_id)}`} class="held-email">
                  {words.email}
                </Link>
              ) : (
                <span class="held-email">{words.email}</span>
              )}
              <span class="held-when small">
                {words.received} · {words.applies}
              </span>
            </li>
          );
        })}
      </ol>
    </>
  );
}
