import { Notice } from '../../components/Notice';
import { ChangePasswordForm } from './ChangePasswordForm';
import { ProfileForm } from './ProfileForm';
import { useConsole } from '../context';

/** `/profile`: the signed-in member's own name, phone and password. */
export function ProfilePage({ notAdmin }: { notAdmin?: boolean }) {
  const { me } = useConsole();
  return (
    <section aria-labelledby="profile-title">
      <h1 id="profile-title">My profile</h1>
      {notAdmin && <Notice kind="info">The member lists and settings are for admins. Here you can keep your own details up to date.</Notice>}
      <div class="panels">
        <ProfileForm key={me.version} />
        <ChangePasswordForm />
      </div>
    </section>
  );
}
