// What a code sign-in reads from what was typed.

/** The six digits of what was typed (spaces and dashes ignored), or null when it is not six digits. */
export function codeDigits(typed: string): string | null {
  const digits = typed.replace(/[\s-]/g, '');
  return /^\d{6}$/.test(digits) ? digits : null;
}
