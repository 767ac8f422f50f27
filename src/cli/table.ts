/**
 * A tiny aligned-column formatter for the CLI's human output. Written here rather than taken from a library because
 * it is a dozen lines and the CLI must stay quick to start: no borders, no colours, no wrapping.
 */

/** A table column: its heading and how to get its text from a row. */
export interface Column<T> {
  header: string;
  value: (row: T) => string;
  /** Right-align (numbers). */
  right?: boolean;
}

/**
 * Formats rows as aligned columns under upper-case headings, two spaces apart, trailing blanks trimmed.
 * Line breaks inside a cell are shown as spaces so one row stays one line.
 */
export function formatTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((row) => columns.map((c) => c.value(row).replace(/\s*\n\s*/g, ' ')));
  const headers = columns.map((c) => c.header.toUpperCase());
  const widths = columns.map((_, i) => Math.max(headers[i]!.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: readonly string[]): string =>
    values
      .map((v, i) => (columns[i]!.right ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)].join('\n') + '\n';
}

/** Formats `key: value` lines with the keys padded to one width. */
export function formatFields(fields: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(0, ...fields.map(([k]) => k.length + 1));
  return fields.map(([k, v]) => `${`${k}:`.padEnd(width)}  ${v}`.trimEnd()).join('\n') + '\n';
}

/** `{a: 1, b: 2}` as `a=1, b=2` (keys sorted), or `-` when empty. */
export function formatPairs(record: Readonly<Record<string, unknown>>): string {
  const keys = Object.keys(record).sort();
  return keys.length === 0 ? '-' : keys.map((k) => `${k}=${String(record[k])}`).join(', ');
}

/** A nullable value as text, `-` for null or empty. */
export function orDash(value: string | number | null | undefined): string {
  return value === null || value === undefined || value === '' ? '-' : String(value);
}
