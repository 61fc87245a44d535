import type { Org } from '../../api/types';
import { formatDateTime } from '../../lib/dates';
import { freezePhase } from './freeze';

/** A banner on every console screen while a freeze window is on or coming. */
export function FreezeBanner({ org }: { org: Org }) {
  if (!org.freeze) return null;
  const phase = freezePhase(org.freeze);
  if (phase === 'over') return null;
  const { starts_at, ends_at, reason } = org.freeze;
  return (
    <div class="freeze-banner" role="status" data-testid="freeze-banner">
      {phase === 'active' ? (
        <>
          <strong>Membership changes are frozen</strong> until {formatDateTime(ends_at)}. Inviting, removing and approving people is on
          hold; people can still accept invitations.
        </>
      ) : (
        <>
          <strong>A freeze window is scheduled</strong> from {formatDateTime(starts_at)} to {formatDateTime(ends_at)}.
        </>
      )}
      {reason && <> Reason: {reason}</>}
    </div>
  );
}
