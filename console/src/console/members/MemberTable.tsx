import type { Member, Tab } from '../../api/types';
import { DirectoryBadge } from '../../components/DirectoryBadge';
import { Link } from '../../components/Link';
import { StatusBadge } from '../../components/StatusBadge';
import { formatDate } from '../../lib/dates';
import { fullName, ROLE_LABELS } from '../../lib/labels';
import { departmentName, useConsole } from '../context';
import { MemberActions } from '../member/MemberActions';

interface Props {
  tab: Tab;
  members: Member[];
  selectable: boolean;
  selected: Set<string>;
  onSelect: (ids: string[], on: boolean) => void;
  onAction: (message: string) => void;
}

/** What the date column shows for a member: its license end, or when its invitation lapses. */
function dateNote(member: Member): string {
  if (member.license_end) return `License ends ${formatDate(member.license_end)}`;
  if (member.invitation?.expires_at && (member.status === 'invited' || member.status === 'expired')) {
    return `${member.status === 'expired' ? 'Expired' : 'Expires'} ${formatDate(member.invitation.expires_at)}`;
  }
  return '';
}

export function MemberTable({ tab, members, selectable, selected, onSelect, onAction }: Props) {
  const { departments } = useConsole();
  const allSelected = members.length > 0 && members.every((m) => selected.has(m.id));
  return (
    <div class="table-wrap">
      <table class="members">
        <caption class="visually-hidden">{`Members in the ${tab} tab`}</caption>
        <thead>
          <tr>
            {selectable && (
              <th scope="col" class="select-cell">
                <input
                  type="checkbox"
                  aria-label="Select every member on this page"
                  checked={allSelected}
                  onChange={(e) => onSelect(members.map((m) => m.id), e.currentTarget.checked)}
                />
              </th>
            )}
            <th scope="col">Name</th>
            <th scope="col">Role</th>
            <th scope="col">Department</th>
            <th scope="col">Status</th>
            <th scope="col">Dates</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {members.map((member) => (
            <tr key={member.id} data-email={member.email}>
              {selectable && (
                <td class="select-cell">
                  <input
                    type="checkbox"
                    aria-label={`Select ${fullName(member)}`}
                    checked={selected.has(member.id)}
                    onChange={(e) => onSelect([member.id], e.currentTarget.checked)}
                  />
                </td>
              )}
              <td>
                <Link href={`/members/${encodeURIComponent(member.id)}`} class="member-name">
                  {fullName(member)}
                </Link>
                <div class="muted small">{member.email}</div>
                {member.managed_by_directory && <DirectoryBadge />}
              </td>
              <td>{ROLE_LABELS[member.role]}</td>
              <td>{departmentName(departments, member.department_id)}</td>
              <td>
                <StatusBadge status={member.status} />
                {member.kind === 'shell' && member.status !== 'invited' && <span class="muted small"> · shell account</span>}
              </td>
              <td class="small">{dateNote(member)}</td>
              <td>
                <MemberActions member={member} small onDone={onAction} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
