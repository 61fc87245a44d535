import { signOut } from '../../api/auth';
import { accountKey, dropAccount, lastEnded, switchAccount, type Session } from '../../api/session';
import { Notice } from '../../components/Notice';
import { ROLE_LABELS } from '../../lib/labels';
import { navigate, useLocation } from '../../router';
import { useConsole } from '../context';
import { useAccounts } from './useAccounts';
import { endedSentence, orgLabel } from './words';

/**
 * `/accounts`: the account switcher. Every account this tab holds (a sign-in by email code
 * opens all the accounts of the email that allow codes), the one in use marked; switch to
 * another without signing in again, or sign out of one or of all.
 */
export function AccountsPage() {
  const { session } = useConsole();
  const { query } = useLocation();
  const accounts = useAccounts();
  const activeKey = accountKey(session);
  const ended = lastEnded();
  const fromCode = query.get('welcome') === 'code' && accounts.length > 1;
  const temporary = Number(query.get('temporary') ?? 0);

  const switchTo = (account: Session) => {
    navigate('/');
    switchAccount(accountKey(account));
  };

  return (
    <section aria-labelledby="accounts-title" class="accounts">
      <h1 id="accounts-title">Your accounts</h1>
      {ended && <Notice kind={ended.reason === 'signed_out_one' ? 'success' : 'warning'}>{endedSentence(ended)}</Notice>}
      {fromCode && !ended && (
        <Notice kind="success">
          Your code signed you in to {accounts.length} accounts. You are using the one in {orgLabel(session)}; switch to another below
          whenever you like.
        </Notice>
      )}
      {temporary > 0 && (
        <Notice kind="warning">
          {temporary === 1 ? 'One more account' : `${temporary} more accounts`} of this email still{' '}
          {temporary === 1 ? 'has' : 'have'} the temporary password an admin sent. Sign in to {temporary === 1 ? 'it' : 'them'} with that
          password first to choose your own.
        </Notice>
      )}
      <p>
        {accounts.length > 1
          ? 'You are signed in to these accounts in this browser tab. Switch between them without signing in again.'
          : 'You are signed in to this account in this browser tab.'}
      </p>
      <ul class="account-list">
        {accounts.map((account) => {
          const key = accountKey(account);
          const active = key === activeKey;
          const org = orgLabel(account);
          return (
            <li key={key} class={active ? 'account account-active' : 'account'} aria-current={active ? 'true' : undefined} data-org={account.orgName}>
              <div class="account-who">
                <p class="account-org">
                  {org}
                  {active && <span class="badge badge-current">Current account</span>}
                </p>
                <p class="account-detail">
                  {account.role ? ROLE_LABELS[account.role] : 'Member'} · <span class="account-email">{account.email}</span>
                </p>
              </div>
              <div class="account-actions">
                {!active && (
                  <button type="button" class="button-primary button-small" onClick={() => switchTo(account)}>
                    Switch<span class="visually-hidden"> to {org}</span>
                  </button>
                )}
                <button type="button" class="button-secondary button-small" onClick={() => dropAccount(key, 'signed_out_one')}>
                  Sign out<span class="visually-hidden"> of {org}</span>
                </button>
              </div>
            </li>
          );
        })}
      </ul>
      {accounts.length > 1 && (
        <div class="actions start">
          <button type="button" class="button-danger-outline" onClick={signOut}>
            Sign out of all accounts
          </button>
        </div>
      )}
    </section>
  );
}
