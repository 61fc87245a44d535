import { useState } from 'preact/hooks';
import type { Tab } from '../../api/types';
import { Empty, LoadError, Loading, Notice } from '../../components/Notice';
import { TAB_LABELS } from '../../lib/labels';
import { can, fixedDepartment } from '../../lib/permissions';
import { navigate, useLocation } from '../../router';
import { CreateAccountDialog } from '../accounts/CreateAccountDialog';
import { useConsole } from '../context';
import { ImportDialog } from '../imports/ImportDialog';
import { InviteDialog } from '../invite/InviteDialog';
import { BulkEditDialog } from './BulkEditDialog';
import { ExportButton } from './ExportButton';
import { MembersToolbar } from './MembersToolbar';
import { MemberTable } from './MemberTable';
import { Pagination } from './Pagination';
import { listOutcome } from './readPastEmpty';
import { TabBar } from './TabBar';
import { useMemberPage } from './useMemberPage';
import { TABS, useTabCounts } from './useTabCounts';

const EMPTY: Record<Tab, string> = {
  licensed: 'No licensed members yet. Invite people to get started.',
  unlicensed: 'Nobody here: removed members and pending invitations show in this tab.',
  pending: 'No join requests are waiting.',
};

/** The member list: tabs with counts, search, department filter, pages, and what admins do with them. */
export function MembersPage() {
  const { me, session, departments } = useConsole();
  const { query } = useLocation();
  const tab = (TABS as string[]).includes(query.get('tab') ?? '') ? (query.get('tab') as Tab) : 'licensed';
  const q = query.get('q') ?? '';
  const fixed = fixedDepartment(me);
  const department = fixed ?? query.get('department') ?? '';
  const [generation, setGeneration] = useState(0);
  const [flash, setFlash] = useState<string | null>(null);
  const [dialog, setDialog] = useState<'invite' | 'account' | 'import' | 'bulk' | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const counts = useTabCounts(session.orgId, q, department, generation);
  const list = useMemberPage(session.orgId, tab, q, department, generation);

  const setQuery = (changes: Record<string, string>) => {
    const next = new URLSearchParams(query);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    const text = next.toString();
    navigate(text ? `/?${text}` : '/', { replace: true });
    setSelected(new Set());
  };
  const refresh = (message?: string) => {
    if (message) setFlash(message);
    setGeneration((g) => g + 1);
  };
  const select = (ids: string[], on: boolean) =>
    setSelected((current) => {
      const next = new Set(current);
      for (const id of ids) {
        if (on) next.add(id);
        else next.delete(id);
      }
      return next;
    });

  const members = list.result.data?.items ?? [];
  const bulk = can(me, 'bulkEdit');
  // What the list area shows (a plain function, not a component, so the table is not remounted on each render).
  const listBody = () => {
    const outcome = listOutcome(list.result.data ?? { items: [], next_cursor: null }, !!(q || department), list.page);
    switch (outcome) {
      case 'members':
        return <MemberTable tab={tab} members={members} selectable={bulk} selected={selected} onSelect={select} onAction={refresh} />;
      case 'not-found-yet': {
        const searching = list.result.state === 'loading';
        return (
          <div class="empty" data-testid="search-further">
            <p>No matches yet: the search has read part of the list, not all of it.</p>
            <button type="button" class="button-secondary" disabled={searching || !list.canSearchFurther} onClick={list.searchFurther}>
              {searching ? 'Searching…' : 'Search further'}
            </button>
          </div>
        );
      }
      case 'nobody-matches':
        return <Empty>Nobody matches this search.</Empty>;
      case 'no-more-matches':
        return <Empty>No more matches.</Empty>;
      case 'empty-tab':
        return <Empty>{EMPTY[tab]}</Empty>;
      case 'no-more-members':
        return <Empty>No more members in this tab.</Empty>;
    }
  };
  return (
    <section aria-labelledby="members-title">
      <div class="page-head">
        <h1 id="members-title">Members</h1>
        <div class="page-actions">
          <button type="button" class="button-primary" onClick={() => setDialog('invite')}>
            Invite people
          </button>
          {can(me, 'createAccount') && (
            <button type="button" class="button-secondary" onClick={() => setDialog('account')}>
              Create account
            </button>
          )}
          {can(me, 'importMembers') && (
            <button type="button" class="button-secondary" onClick={() => setDialog('import')}>
              Import CSV
            </button>
          )}
          <ExportButton department={department} onError={setFlash} />
        </div>
      </div>
      {fixed === null && me.role === 'dept_admin' && (
        <Notice kind="warning">You are a department admin without a department: ask an organization admin to put you in one.</Notice>
      )}
      {flash && (
        <Notice kind="success">
          <span>{flash}</span>
          <button type="button" class="button-link" onClick={() => setFlash(null)}>
            Dismiss
          </button>
        </Notice>
      )}
      <MembersToolbar
        q={q}
        onSearch={(text) => setQuery({ q: text })}
        department={department}
        onDepartment={(id) => setQuery({ department: id })}
        departments={departments}
        fixedDepartment={fixed}
      />
      <TabBar tab={tab} counts={counts.data} onChange={(t) => setQuery({ tab: t === 'licensed' ? '' : t })} />
      {counts.state === 'error' && <LoadError problem={counts.problem} onRetry={counts.reload} />}
      <div id="members-panel" role="tabpanel" aria-labelledby={`tab-${tab}`}>
        {bulk && selected.size > 0 && (
          <div class="bulk-bar" role="region" aria-label="Selected members">
            <span>{selected.size} selected</span>
            <button type="button" class="button-primary button-small" onClick={() => setDialog('bulk')}>
              Edit department, position, location
            </button>
            <button type="button" class="button-link" onClick={() => setSelected(new Set())}>
              Clear selection
            </button>
          </div>
        )}
        {list.result.state === 'error' && <LoadError problem={list.result.problem} onRetry={list.result.reload} />}
        {list.result.state === 'loading' && !list.result.data && <Loading what={`${TAB_LABELS[tab].toLowerCase()} members`} />}
        {list.result.data && listBody()}
        <Pagination page={list.page} hasNext={list.hasNext} onPrevious={list.previous} onNext={list.next} />
      </div>
      {dialog === 'invite' && <InviteDialog onClose={() => setDialog(null)} onInvited={() => refresh()} />}
      {dialog === 'account' && <CreateAccountDialog onClose={() => setDialog(null)} onCreated={() => refresh()} />}
      {dialog === 'import' && <ImportDialog onClose={() => setDialog(null)} onImported={() => refresh()} />}
      {dialog === 'bulk' && (
        <BulkEditDialog
          memberIds={[...selected]}
          onClose={() => setDialog(null)}
          onDone={(message) => {
            setSelected(new Set());
            refresh(message);
          }}
        />
      )}
    </section>
  );
}
