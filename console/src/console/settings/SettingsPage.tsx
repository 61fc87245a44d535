import { useConsole } from '../context';
import { FreezeSection } from './FreezeSection';
import { SettingsForm } from './SettingsForm';

/** `/settings`: the org's settings and its freeze window. */
export function SettingsPage() {
  const { org } = useConsole();
  if (!org) return null;
  return (
    <section aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <SettingsForm key={org.version} org={org} />
      <FreezeSection org={org} />
    </section>
  );
}
