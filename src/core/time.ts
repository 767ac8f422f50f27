import { fail } from './errors.js';

/**
 * Parses a time given at an edge (CLI flag, query parameter, JSON field) as ISO-8601 or epoch milliseconds;
 * inside Mooring every time is UTC epoch milliseconds. Throws INVALID_TIME.
 */
export function parseTime(value: string | number, field = 'time'): number {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value >= 0) return value;
  } else if (/^\d{1,16}$/.test(value)) {
    return Number(value);
  } else {
    // Date.parse accepts far more than ISO-8601; require the ISO shape first.
    if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)) {
      const ms = Date.parse(value);
      if (Number.isFinite(ms)) return ms;
    }
  }
  throw fail('INVALID_TIME', `${field} ${JSON.stringify(value)} is not an ISO-8601 date-time or epoch milliseconds`, { field });
}

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * Parses a length of time given at an edge: a whole number and a unit, `ms`, `s`, `m` (minutes), `h`, `d` or `w`
 * (`90s`, `30m`, `1h`, `7d`); returns milliseconds (> 0). Throws INVALID_TIME naming `field`.
 */
export function parseDuration(value: string, field = 'duration'): number {
  const m = /^(\d{1,12})(ms|s|m|h|d|w)$/.exec(typeof value === 'string' ? value.trim() : '');
  if (m) {
    const ms = Number(m[1]) * DURATION_UNITS[m[2]!]!;
    if (ms > 0 && Number.isSafeInteger(ms)) return ms;
  }
  throw fail('INVALID_TIME', `${field} ${JSON.stringify(value)} is not a duration such as 30s, 15m, 1h, 7d or 2w`, { field });
}

/** True when `value` has the shape of a duration (`1h`, `30m`), as `parseDuration` reads it. */
export function isDuration(value: string): boolean {
  return /^\s*\d{1,12}(ms|s|m|h|d|w)\s*$/.test(value);
}

/**
 * Parses a point in time given at an edge: ISO-8601, epoch milliseconds, or a duration meaning "that long before
 * `now`" (`1h` = an hour ago, `7d` = a week ago). Throws INVALID_TIME naming `field`.
 */
export function parseTimeOrAgo(value: string | number, now: number, field = 'time'): number {
  if (typeof value === 'string' && isDuration(value)) return Math.max(0, now - parseDuration(value, field));
  return parseTime(value, field);
}
