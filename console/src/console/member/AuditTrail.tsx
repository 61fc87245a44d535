import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api/client';
import { call, toProblem, type Problem } from '../../api/problem';
import type { AuditEvent } from '../../api/types';
import { Link } from '../../components/Link';
import { Empty, LoadError, Loading } from '../../components/Notice';
import { formatDateTime } from '../../lib/dates';
import { auditActionLabel, auditReasonLabel, automaticActorLabel, statusLabel } from '../../lib/labels';
import { useConsole } from '../context';

/** Who did what to this member, and when (newest pages first as the API gives them). */
export function AuditTrail({ memberId, generation }: { memberId: string; generation: number }) {
  const { me, session } = useConsole();
  const [events, setEvents] = useState<AuditEvent[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [problem, setProblem] = useState<Problem | null>(null);

  const load = async (after: string | null, replace: boolean) => {
    setLoading(true);
    setProblem(null);
    try {
      const page = await call(
        api.GET('/v1/orgs/{org}/audit', {
          params: { path: { org: session.orgId }, query: { member: memberId, limit: 50, ...(after ? { cursor: after } : {}) } },
        }),
      );
      setEvents((list) => (replace ? page.items : [...list, ...page.items]));
      setCursor(page.next_cursor ?? null);
    } catch (error) {
      setProblem(toProblem(error));
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => {
    void load(null, true);
  }, [memberId, generation]);

  const actor = (event: AuditEvent) => {
    if (!event.actor_id) return automaticActorLabel(event);
    if (event.actor_id === me.id) return 'by you';
    if (event.actor_id === memberId) return 'by the member';
    return (
      <>
        by <Link href={`/members/${encodeURIComponent(event.actor_id)}`}>another member</Link>
      </>
    );
  };
  return (
    <section class="panel" aria-labelledby="audit-title">
      <h2 id="audit-title">History</h2>
      {problem && <LoadError problem={problem} onRetry={() => void load(null, true)} />}
      {!loading && !problem && events.length === 0 && <Empty>Nothing recorded yet.</Empty>}
      {events.length > 0 && (
        <ol class="audit" data-testid="audit-trail">
          {events.map((event) => (
            <li key={event.id}>
              <time dateTime={event.at}>{formatDateTime(event.at)}</time>
              <span class="audit-action">{auditActionLabel(event)}</span> <span class="muted">{actor(event)}</span>
              {event.from_status && event.to_status && event.from_status !== event.to_status && (
                <span class="small">
                  {' '}
                  · {statusLabel(event.from_status)} → {statusLabel(event.to_status)}
                </span>
              )}
              {auditReasonLabel(event) && <span class="small"> · {auditReasonLabel(event)}</span>}
            </li>
          ))}
        </ol>
      )}
      {loading && <Loading what="the history" />}
      {cursor && !loading && (
        <button type="button" class="button-secondary" onClick={() => void load(cursor, false)}>
          Show older events
        </button>
      )}
    </section>
  );
}
