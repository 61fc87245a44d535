import { useState } from 'preact/hooks';
import { Notice } from '../../components/Notice';
import { useConsole } from '../context';
import { DirectorySyncSection } from './DirectorySyncSection';
import { FreezeSection } from './FreezeSection';
import { SettingsForm } from './SettingsForm';
import { SsoSection } from './SsoSection';
import { useSsoConnection } from './useSsoConnection';

/** `/settings`: the org's settings, its single sign-on connection, its directory sync and its freeze window. */
export function SettingsPage() {
  const { org, session } = useConsole();
  const [saved, setSaved] = useState(false);
  const sso = useSsoConnection(session.orgId);
  if (!org) return null;
  return (
    <section aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      {saved && <Notice kind="success">Settings saved.</Notice>}
      <SettingsForm key={org.version} org={org} sso={sso.data} onSaving={() => setSaved(false)} onSaved={() => setSaved(true)} />
      <SsoSection org={org} sso={sso} />
      <DirectorySyncSection org={org} />
      <FreezeSection org={org} />
    </section>
  );
}
