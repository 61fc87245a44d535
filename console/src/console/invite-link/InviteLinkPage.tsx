import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { LoadError, Loading, Notice } from '../../components/Notice';
import { useResource } from '../../hooks/useResource';
import { useConsole } from '../context';
import { CopyButton } from './CopyButton';

/** `/invite-link`: the org's public join link and QR code; anyone using it needs approval. */
export function InviteLinkPage() {
  const { session } = useConsole();
  const org = { params: { path: { org: session.orgId } } };
  const link = useResource(() => call(api.GET('/v1/orgs/{org}/invite-link', org)), []);
  const [rotating, setRotating] = useState(false);
  const [flash, setFlash] = useState<string | null>(null);
  return (
    <section aria-labelledby="link-title">
      <h1 id="link-title">Invite link</h1>
      <p>
        Share this link or QR code with people who should join. Anyone can use it to <strong>ask</strong> to join: an organization admin
        approves each request in the Pending tab.
      </p>
      {flash && <Notice kind="success">{flash}</Notice>}
      {link.state === 'error' && <LoadError problem={link.problem} onRetry={link.reload} />}
      {!link.data && link.state === 'loading' && <Loading what="the invite link" />}
      {link.data && (
        <div class="invite-link">
          <div class="field">
            <label for="invite-link-url">Link</label>
            <div class="copy-row">
              <input id="invite-link-url" readOnly value={link.data.url} onFocus={(e) => e.currentTarget.select()} />
              <CopyButton text={link.data.url} />
            </div>
            <p class="hint">Join code: {link.data.code}</p>
          </div>
          <img class="qr" alt={`QR code for ${link.data.url}`} src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(link.data.qr_svg)}`} />
          <div class="actions start">
            <button type="button" class="button-danger-outline" onClick={() => setRotating(true)}>
              Make a new link
            </button>
          </div>
        </div>
      )}
      {rotating && (
        <ConfirmDialog
          title="Replace the invite link?"
          confirmLabel="Make a new link"
          danger
          onClose={() => setRotating(false)}
          onConfirm={async () => {
            await call(api.POST('/v1/orgs/{org}/invite-link/rotate', org));
            setFlash('A new link and QR code were made. The old ones no longer work.');
            link.reload();
          }}
        >
          <p>The current link and QR code stop working at once. Requests already sent stay in the Pending tab.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
