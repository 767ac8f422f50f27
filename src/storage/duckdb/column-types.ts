/**
 * How DuckDB's column types become the Table's kinds and back: the SQL that selects each column of a data file as
 * a type JavaScript reads directly (DOUBLE, VARCHAR, BOOLEAN), and the SQL that writes each kind. The conversion
 * happens inside DuckDB, so the reader only copies doubles, strings and booleans out of its vectors.
 */
import { DuckDBTypeId } from '@duckdb/node-api';
import type { DuckDBType } from '@duckdb/node-api';
import { fail } from '../../core/errors.js';
import type { ColumnKind } from '../../core/profile/table.js';
import type { TableFileFormat } from './table-files.js';

/** How one column of a file is read. */
export interface ReadPlan {
  readonly name: string;
  readonly kind: ColumnKind;
  /** DuckDB's type of the column, for messages. */
  readonly sourceType: string;
  /** The SQL expression selecting it as DOUBLE, VARCHAR or BOOLEAN. */
  readonly expression: string;
  /**
   * What the reader still checks per value: `safe-integer` for 64/128-bit integers read as doubles; `all-null` for
   * JSON-typed columns, accepted only when every value is null (DuckDB gives an all-null JSON field type JSON).
   */
  readonly check: 'none' | 'safe-integer' | 'all-null';
}

const EXACT_NUMBERS = new Set<DuckDBTypeId>([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.FLOAT,
  DuckDBTypeId.DOUBLE,
  DuckDBTypeId.DECIMAL,
]);
const WIDE_INTEGERS = new Set<DuckDBTypeId>([
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UHUGEINT,
  DuckDBTypeId.BIGNUM,
]);
const NAIVE_TIMES = new Set<DuckDBTypeId>([
  DuckDBTypeId.DATE,
  DuckDBTypeId.TIMESTAMP,
  DuckDBTypeId.TIMESTAMP_S,
  DuckDBTypeId.TIMESTAMP_MS,
  DuckDBTypeId.TIMESTAMP_NS,
]);

/** The read plan of a column of type `type`; INVALID_REQUEST naming the column and type when it is unsupported. */
export function planRead(name: string, type: DuckDBType, path: string): ReadPlan {
  const col = identifier(name);
  const sourceType = type.toString();
  const plan = (kind: ColumnKind, expression: string, check: ReadPlan['check'] = 'none'): ReadPlan => ({ name, kind, sourceType, expression, check });
  const id = type.typeId;
  if (id === DuckDBTypeId.DOUBLE) return plan('number', col);
  if (EXACT_NUMBERS.has(id)) return plan('number', `CAST(${col} AS DOUBLE)`);
  // Rounded to a double here; any value past 2^53 - 1 rounds to at least 2^53, which the reader refuses.
  if (WIDE_INTEGERS.has(id)) return plan('number', `CAST(${col} AS DOUBLE)`, 'safe-integer');
  if (id === DuckDBTypeId.BOOLEAN) return plan('boolean', col);
  if (id === DuckDBTypeId.VARCHAR) return type.alias === 'JSON' ? plan('string', `CAST(${col} AS VARCHAR)`, 'all-null') : plan('string', col);
  if (id === DuckDBTypeId.ENUM || id === DuckDBTypeId.UUID || id === DuckDBTypeId.SQLNULL) return plan('string', `CAST(${col} AS VARCHAR)`);
  // A timestamp without a zone is taken as UTC; one with a zone is an instant already.
  if (NAIVE_TIMES.has(id)) return plan('timestamp', `CAST(epoch_ms(CAST(${col} AS TIMESTAMP)) AS DOUBLE)`);
  if (id === DuckDBTypeId.TIMESTAMP_TZ) return plan('timestamp', `CAST(epoch_ms(${col}) AS DOUBLE)`);
  throw fail(
    'INVALID_REQUEST',
    `${path}: column ${JSON.stringify(name)} has type ${sourceType}, which is not supported (numbers, strings, booleans, dates and timestamps are)`,
    { path, column: name, type: sourceType },
  );
}

/** The column type `writeTable` stores a kind in before COPY (timestamps as epoch milliseconds). */
export function duckdbTypeFor(kind: ColumnKind): string {
  return kind === 'string' ? 'VARCHAR' : kind === 'boolean' ? 'BOOLEAN' : 'DOUBLE';
}

/** The SQL writing stored column `col` of `kind` to `format`; `integral` when every number is a safe integer. */
export function writeExpression(col: string, kind: ColumnKind, integral: boolean, format: TableFileFormat): string {
  if (kind === 'timestamp') {
    const time = `epoch_ms(CAST(${col} AS BIGINT))`; // a TIMESTAMP in UTC
    return format === 'parquet' ? `CAST(${time} AS TIMESTAMPTZ)` : `strftime(${time}, '%Y-%m-%dT%H:%M:%S.%gZ')`;
  }
  if (kind === 'number' && integral) return `CAST(${col} AS BIGINT)`;
  return col;
}

/** A SQL identifier (double quotes doubled). */
export function identifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A SQL string literal (single quotes doubled). */
export function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
