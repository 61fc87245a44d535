// Times as people read them (always UTC, like the emails: "Tuesday 1 December 2026,
// 03:40 UTC"), and the conversions between the browser's date inputs and RFC 3339.

const parts = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'UTC',
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

function pieces(iso: string): Record<string, string> | null {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return null;
  return Object.fromEntries(parts.formatToParts(at).map((p) => [p.type, p.value]));
}

/** "Tuesday 1 December 2026, 03:40 UTC". */
export function formatDateTime(iso: string): string {
  const p = pieces(iso);
  return p ? `${p.weekday} ${p.day} ${p.month} ${p.year}, ${p.hour}:${p.minute} UTC` : iso;
}

/** "Tuesday 1 December 2026" (the UTC day). */
export function formatDate(iso: string): string {
  const p = pieces(iso);
  return p ? `${p.weekday} ${p.day} ${p.month} ${p.year}` : iso;
}

/** A license end date picked as a day ends at the end of that day, UTC. */
export function endOfDayUtc(day: string): string {
  return `${day}T23:59:59Z`;
}

/** The `YYYY-MM-DD` day (UTC) of an RFC 3339 time, for a date input. */
export function utcDay(iso: string): string {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? '' : at.toISOString().slice(0, 10);
}

/** A `datetime-local` input's value, read as UTC, as RFC 3339. */
export function localInputToUtc(value: string): string {
  return value.length === 16 ? `${value}:00Z` : `${value}Z`;
}

/** An RFC 3339 time as a `datetime-local` value in UTC. */
export function utcToLocalInput(iso: string): string {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? '' : at.toISOString().slice(0, 16);
}
