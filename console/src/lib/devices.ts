// Device tokens: a login answers one for this browser and email. Sent with later logins,
// it lets the right password through even while someone else's wrong guesses have hit the
// email's failed-login limit. Kept per email (lowercased), like a remembered sign-in.

const KEY = 'roster.devices';

function all(): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(KEY) ?? '{}');
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, string>) : {};
  } catch {
    return {};
  }
}

export function deviceToken(email: string): string | undefined {
  const token = all()[email.trim().toLowerCase()];
  return typeof token === 'string' ? token : undefined;
}

export function rememberDevice(email: string, token: string) {
  try {
    localStorage.setItem(KEY, JSON.stringify({ ...all(), [email.trim().toLowerCase()]: token }));
  } catch {
    // Without storage every login is from a new client: it still works, limits apply.
  }
}
