import type { LoginMethod } from '../api/types';
import { ALL_LOGIN_METHODS, LOGIN_METHOD_LABELS, toggledMethods } from '../lib/loginMethods';

interface Props {
  /** Prefix of the checkboxes' ids. */
  id: string;
  value: readonly LoginMethod[];
  onChange: (methods: LoginMethod[]) => void;
  disabled?: boolean;
  describedBy?: string;
  /** Methods that cannot be chosen now, each with why (shown under it). One already chosen can still be taken out. */
  unavailable?: Partial<Record<LoginMethod, string | null>>;
}

/** A checkbox per way to sign in; one that cannot be chosen yet says why. */
export function LoginMethodChoices({ id, value, onChange, disabled, describedBy, unavailable = {} }: Props) {
  return (
    <>
      {ALL_LOGIN_METHODS.map((method) => {
        const checked = value.includes(method);
        const why = checked || disabled ? null : unavailable[method];
        const whyId = `${id}-${method}-why`;
        return (
          <div key={method}>
            <label class="choice" for={`${id}-${method}`}>
              <input
                type="checkbox"
                id={`${id}-${method}`}
                checked={checked}
                disabled={disabled || !!why}
                aria-describedby={[describedBy, why ? whyId : ''].filter(Boolean).join(' ') || undefined}
                onChange={(e) => onChange(toggledMethods(value, method, e.currentTarget.checked))}
              />{' '}
              {LOGIN_METHOD_LABELS[method]}
            </label>
            {why && (
              <p class="hint choice-hint" id={whyId}>
                {why}
              </p>
            )}
          </div>
        );
      })}
    </>
  );
}
