// A hint about how strong a chosen password is (the API requires 10 to 128 characters).

export interface Strength {
  /** 0 (not accepted) to 3 (strong). */
  score: 0 | 1 | 2 | 3;
  label: string;
}

export const MIN_PASSWORD = 10;
export const MAX_PASSWORD = 128;

export function passwordStrength(password: string): Strength {
  const length = [...password].length;
  if (length === 0) return { score: 0, label: `Use at least ${MIN_PASSWORD} characters.` };
  if (length < MIN_PASSWORD) return { score: 0, label: `Too short: ${MIN_PASSWORD - length} more character${MIN_PASSWORD - length === 1 ? '' : 's'} needed.` };
  if (length > MAX_PASSWORD) return { score: 0, label: `Too long: at most ${MAX_PASSWORD} characters.` };
  const kinds = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((kind) => kind.test(password)).length;
  const distinct = new Set(password.toLowerCase()).size;
  if (distinct < 5) return { score: 1, label: 'Weak: too many repeated characters.' };
  if (length >= 16 || (length >= 12 && kinds >= 3)) return { score: 3, label: 'Strong.' };
  if (kinds >= 2 || length >= 14) return { score: 2, label: 'Fair: a few more words or characters make it strong.' };
  return { score: 1, label: 'Weak: make it longer or mix letters, digits and symbols.' };
}
