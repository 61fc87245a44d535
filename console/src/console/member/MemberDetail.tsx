import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import { DirectoryBadge } from '../../components/DirectoryBadge';
import { Link } from '../../components/Link';
import { LoadError, Loading, Notice } from '../../components/Notice';
import { StatusBadge } from '../../components/StatusBadge';
import { useResource } from '../../hooks/useResource';
import { formatDateTime } from '../../lib/dates';
import { fullName, ROLE_LABELS } from '../../lib/labels';
import { can } from '../../lib/permissions';
import { departmentName, useConsole } from '../context';
import { AdminFieldsForm } from './AdminFieldsForm';
import { AuditTrail } from './AuditTrail';
import { LicenseEndForm } from './LicenseEndForm';
import { LoginMethodsForm } from './LoginMethodsForm';
import { MemberActions } from './MemberActions';

/** `/members/{id}`: one member's profile, what admins edit, and its history. */
export function MemberDetail({ id }: { id: string }) {
  const { me, session, departments } = useConsole();
  const [generation, setGeneration] = useState(0);
  const [flash, setFlash] = useState<string | null>(null);
  const member = useResource(
    () => call(api.GET('/v1/orgs/{org}/members/{member}', { params: { path: { org: session.orgId, member: id } } })),
    [id, generation],
  );
  /** After a change: say what was done and reload the member and its history. */
  const changed = (message: string) => {
    setFlash(message);
    setGeneration((g) => g + 1);
  };

  if (!member.data) {
    return (
      <section>
        <p>
          <Link href="/">← Members</Link>
        </p>
        {member.state === 'error' ? <LoadError problem={member.problem} onRetry={member.reload} /> : <Loading what="the member" />}
      </section>
    );
  }
  const m = member.data;
  const editable = can(me, 'updateMember');
  return (
    <section aria-labelledby="member-title" class="member-detail">
      <p>
        <Link href="/">← Members</Link>
      </p>
      <div class="page-head">
        <div>
          <h1 id="member-title">{fullName(m)}</h1>
          <p class="muted">
            {m.email} · {ROLE_LABELS[m.role]} · <StatusBadge status={m.status} />
            {m.managed_by_directory && (
              <>
                {' '}
                · <DirectoryBadge />
              </>
            )}
          </p>
        </div>
        <MemberActions member={m} onDone={(message) => changed(message)} />
      </div>
      {m.managed_by_directory && (
        <Notice kind="info">
          <strong>Managed by your directory.</strong> Your identity provider (SCIM) keeps this member’s name, email, phone, position,
          department and license: its changes to them overwrite edits made here.
        </Notice>
      )}
      {flash && <Notice kind="success">{flash}</Notice>}
      {member.state === 'error' && <LoadError problem={member.problem} onRetry={member.reload} />}
      <div class="panels">
        <section class="panel" aria-labelledby="personal-title">
          <h2 id="personal-title">Personal details</h2>
          <dl class="facts">
            <dt>Name</dt>
            <dd>{[m.first_name, m.last_name].filter(Boolean).join(' ') || '—'}</dd>
            <dt>Email</dt>
            <dd>{m.email}</dd>
            <dt>Phone</dt>
            <dd>{m.phone || '—'}</dd>
            <dt>Account</dt>
            <dd>{m.kind === 'shell' ? 'Shell account (can’t sign in yet)' : 'Full account'}</dd>
            {m.invitation?.expires_at && (
              <>
                <dt>Invitation</dt>
                <dd>
                  {m.status === 'expired' ? 'Expired' : 'Expires'} {formatDateTime(m.invitation.expires_at)}
                </dd>
              </>
            )}
            <dt>Member since</dt>
            <dd>{formatDateTime(m.created_at)}</dd>
          </dl>
          <p class="muted small">
            {m.managed_by_directory
              ? 'Name, phone and email come from your directory; the member can also change them from their own profile, until the directory’s next change.'
              : 'Name, phone and email belong to the member: only they can change them, from their own profile.'}
          </p>
        </section>
        <section class="panel" aria-labelledby="org-title">
          <h2 id="org-title">In the organization</h2>
          {editable ? (
            <AdminFieldsForm key={[m.department_id, m.position, m.job_id, m.location, m.role].join('\n')} member={m} onSaved={() => changed('The changes were saved.')} />
          ) : (
            <dl class="facts">
              <dt>Department</dt>
              <dd>{departmentName(departments, m.department_id)}</dd>
              <dt>Position</dt>
              <dd>{m.position || '—'}</dd>
              <dt>Job ID</dt>
              <dd>{m.job_id || '—'}</dd>
              <dt>Location</dt>
              <dd>{m.location || '—'}</dd>
              <dt>License end</dt>
              <dd>{m.license_end ? formatDateTime(m.license_end) : 'None'}</dd>
            </dl>
          )}
        </section>
        {editable && (
          <section class="panel" aria-labelledby="license-title">
            <h2 id="license-title">License end date</h2>
            <LicenseEndForm key={m.license_end ?? ''} member={m} onSaved={changed} />
          </section>
        )}
        {editable && (
          <section class="panel" aria-labelledby="methods-title">
            <h2 id="methods-title">Sign-in methods</h2>
            <LoginMethodsForm key={(m.login_methods ?? []).join(',')} member={m} onSaved={changed} />
          </section>
        )}
      </div>
      {can(me, 'readAudit') && <AuditTrail memberId={m.id} generation={generation} />}
    </section>
  );
}
