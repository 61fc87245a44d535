import { describedBy, Field } from './Field';

interface Props {
  id: string;
  label: string;
  value: string;
  onInput: (value: string) => void;
  error?: string | null;
}

/** The email a person signs in with (password, code or single sign-on). */
export function SignInEmailField({ id, label, value, onInput, error }: Props) {
  return (
    <Field id={id} label={label} error={error}>
      <input
        type="email"
        required
        autocomplete="username"
        value={value}
        onInput={(e) => onInput(e.currentTarget.value)}
        {...describedBy(id, false, error)}
      />
    </Field>
  );
}
