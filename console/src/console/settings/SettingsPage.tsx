import { useState } from 'preact/hooks';
import { Notice } from '../../components/Notice';
import { useConsole } from '../context';
import { FreezeSection } from './FreezeSection';
import { SettingsForm } from './SettingsForm';

/** `/settings`: the org's settings and its freeze window. */
export function SettingsPage() {
  const { org } = useConsole();
  const [saved, setSaved] = useState(false);
  if (!org) return null;
  return (
    <section aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      {saved && <Notice kind="success">Settings saved.</Notice>}
      <SettingsForm key={org.version} org={org} onSaving={() => setSaved(false)} onSaved={() => setSaved(true)} />
      <FreezeSection org={org} />
    </section>
  );
}
