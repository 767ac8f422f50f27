/**
 * A column-oriented table of reference (training or validation) data, as the readers in `src/storage/duckdb`
 * produce it and the profiler consumes it. Kept deliberately plain: a name, a kind and the values, one entry per
 * row, `null` for a missing value.
 */

/** What a column holds. `timestamp` values are UTC epoch milliseconds; such columns are never model features. */
export type ColumnKind = 'number' | 'string' | 'boolean' | 'timestamp';

/** One cell: a number (finite, NaN or ±Infinity as the file holds it), a string, a boolean, or null (missing). */
export type CellValue = number | string | boolean | null;

/** One column of a table. `values.length` equals the table's `rows`. */
export interface Column {
  readonly name: string;
  readonly kind: ColumnKind;
  readonly values: readonly CellValue[];
}

/** A table: columns in file order, every one with `rows` values. */
export interface Table {
  readonly rows: number;
  readonly columns: readonly Column[];
}
