import { describedBy, Field } from '../../components/Field';
import type { KnownOrg } from '../../lib/knownOrgs';

interface Props {
  orgs: KnownOrg[];
  value: string;
  onChange: (orgId: string) => void;
  error?: string | null;
}

const OTHER = '__other__';

/**
 * Which organization to sign in to, when an email has accounts in several: the ones the
 * API named once the password was right (or, failing that, the ones this browser has
 * seen), or an organization's id typed in.
 */
export function OrgChooser({ orgs, value, onChange, error }: Props) {
  const known = orgs.some((o) => o.id === value);
  const typing = !known;
  return (
    <>
      {orgs.length > 0 && (
        <Field id="signin-org" label="Organization" error={typing ? null : error}>
          <select
            value={known ? value : OTHER}
            onChange={(e) => onChange(e.currentTarget.value === OTHER ? '' : e.currentTarget.value)}
            {...describedBy('signin-org', false, typing ? null : error)}
          >
            {orgs.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name}
              </option>
            ))}
            <option value={OTHER}>Another organization…</option>
          </select>
        </Field>
      )}
      {typing && (
        <Field
          id="signin-org-id"
          label="Organization ID"
          hint="Your email has accounts in several organizations. Enter the ID of the one to sign in to; your admin can tell you."
          error={error}
        >
          <input value={value} onInput={(e) => onChange(e.currentTarget.value.trim())} {...describedBy('signin-org-id', true, error)} />
        </Field>
      )}
    </>
  );
}
