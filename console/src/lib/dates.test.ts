import { describe, expect, it } from 'vitest';
import { endOfDayUtc, formatDate, formatDateTime, localInputToUtc, utcDay, utcToLocalInput } from './dates';

describe('dates', () => {
  it('reads times in UTC, as the emails do', () => {
    expect(formatDateTime('2026-12-01T03:40:48.801864633Z')).toBe('Tuesday 1 December 2026, 03:40 UTC');
    expect(formatDateTime('2026-12-01T01:00:00+02:00')).toBe('Monday 30 November 2026, 23:00 UTC');
    expect(formatDate('2026-12-01T03:40:48Z')).toBe('Tuesday 1 December 2026');
    expect(formatDateTime('not a time')).toBe('not a time');
  });

  it('turns a picked day into the end of that day, and back', () => {
    expect(endOfDayUtc('2027-01-31')).toBe('2027-01-31T23:59:59Z');
    expect(utcDay('2027-01-31T23:59:59Z')).toBe('2027-01-31');
    expect(utcDay('2027-02-01T01:00:00+02:00')).toBe('2027-01-31');
  });

  it('reads datetime-local inputs as UTC', () => {
    expect(localInputToUtc('2026-10-26T14:00')).toBe('2026-10-26T14:00:00Z');
    expect(utcToLocalInput('2026-10-26T14:00:00Z')).toBe('2026-10-26T14:00');
  });
});
