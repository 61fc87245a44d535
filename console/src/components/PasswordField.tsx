import { passwordStrength } from '../lib/password';
import { describedBy, Field } from './Field';

interface Props {
  id: string;
  label: string;
  value: string;
  onInput: (value: string) => void;
  error?: string | null;
  autocomplete: 'new-password' | 'current-password';
  /** Show how strong the password is (for a new password). */
  strength?: boolean;
}

export function PasswordField({ id, label, value, onInput, error, autocomplete, strength }: Props) {
  const hint = strength ? passwordStrength(value) : null;
  return (
    <Field
      id={id}
      label={label}
      error={error}
      hint={
        hint && (
          <span class={`strength strength-${hint.score}`}>
            <span class="strength-bar" aria-hidden="true" />
            {hint.label}
          </span>
        )
      }
    >
      <input
        type="password"
        required
        autocomplete={autocomplete}
        value={value}
        onInput={(e) => onInput(e.currentTarget.value)}
        {...describedBy(id, !!hint, error)}
      />
    </Field>
  );
}
