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
