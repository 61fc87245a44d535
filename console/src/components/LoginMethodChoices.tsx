import type { LoginMethod } from '../api/types';
import { ALL_LOGIN_METHODS, AVAILABLE_LOGIN_METHODS, LOGIN_METHOD_LABELS, toggledMethods } from '../lib/loginMethods';

interface Props {
  /** Prefix of the checkboxes' ids. */
  id: string;
  value: readonly LoginMethod[];
  onChange: (methods: LoginMethod[]) => void;
  disabled?: boolean;
  describedBy?: string;
}

/** A checkbox per way to sign in; single sign-on is listed but not available yet. */
export function LoginMethodChoices({ id, value, onChange, disabled, describedBy }: Props) {
  return (
    <>
      {ALL_LOGIN_METHODS.map((method) => {
        const available = AVAILABLE_LOGIN_METHODS.includes(method);
        return (
          <label class="choice" key={method} for={`${id}-${method}`}>
            <input
              type="checkbox"
              id={`${id}-${method}`}
              checked={value.includes(method)}
              disabled={disabled || !available}
              aria-describedby={describedBy}
              onChange={(e) => onChange(toggledMethods(value, method, e.currentTarget.checked))}
            />{' '}
            {LOGIN_METHOD_LABELS[method]}
            {!available && <span class="muted"> (not available yet)</span>}
          </label>
        );
      })}
    </>
  );
}
