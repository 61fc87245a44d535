// CSV written in the browser (the failures of an import), safe to open in a spreadsheet.
import type { ImportFailure } from '../api/types';
import { describeCode } from '../errors/messages';

/** A cell a spreadsheet would read as a formula gets a leading apostrophe. */
function neutralize(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

function quote(cell: string): string {
  const safe = neutralize(cell);
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** RFC 4180 CSV: CRLF line ends, quoted where needed. */
export function toCsv(rows: readonly (readonly (string | number | null | undefined)[])[]): string {
  return rows.map((row) => row.map((cell) => quote(cell == null ? '' : String(cell))).join(',')).join('\r\n') + '\r\n';
}

/** The rows of an import that were not invited, with their reasons. */
export function failuresCsv(failures: readonly ImportFailure[]): string {
  return toCsv([['row', 'email', 'code', 'reason'], ...failures.map((f) => [f.row, f.email, f.code, f.code ? describeCode(f.code) : ''])]);
}
