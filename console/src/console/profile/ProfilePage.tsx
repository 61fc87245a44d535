import { useState } from 'preact/hooks';
import { Notice } from '../../components/Notice';
import { useConsole } from '../context';
import { ChangeEmailForm } from './ChangeEmailForm';
import { ChangePasswordForm } from './ChangePasswordForm';
import { ProfileForm } from './ProfileForm';

/** `/profile`: the signed-in member's own name, phone, email and password. */
export function ProfilePage({ notAdmin }: { notAdmin?: boolean }) {
  const { me } = useConsole();
  const [saved, setSaved] = useState(false);
  return (
    <section aria-labelledby="profile-title">
      <h1 id="profile-title">My profile</h1>
      {notAdmin && <Notice kind="info">The member lists and settings are for admins. Here you can keep your own details up to date.</Notice>}
      {saved && <Notice kind="success">Your details were saved.</Notice>}
      <div class="panels">
        <ProfileForm key={me.version} onSaving={() => setSaved(false)} onSaved={() => setSaved(true)} />
        <ChangeEmailForm />
        <ChangePasswordForm />
      </div>
    </section>
  );
}
