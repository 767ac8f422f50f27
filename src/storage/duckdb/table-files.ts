/**
 * Reference-data files (CSV, TSV, Parquet, JSON lines) to and from Mooring's column-oriented `Table`, through an
 * in-memory DuckDB: one reader with type inference for every format (ADR 7).
 *
 * Reading maps DuckDB's types to the table's kinds: integer, decimal and floating types are `number` (64- and
 * 128-bit integers beyond ±(2^53 - 1) are refused, never rounded), VARCHAR (and ENUM, UUID) `string`, BOOLEAN
 * `boolean`, DATE and TIMESTAMP (with or without time zone, any precision) `timestamp` as UTC epoch milliseconds
 * (a timestamp without a zone is read as UTC). A column that holds nothing but nulls is a `string` column. Anything
 * else (lists, structs, maps, blobs, times, intervals, JSON values) is refused naming the column and its type.
 *
 * A path is user input: it is resolved to an absolute path (so `s3://`, `http://` or `~` are never reached), glob
 * characters are escaped (a file named `a[1].csv` is that file, not `a1.csv`), and it is quoted as a SQL literal.
 * DuckDB may not install or load extensions on its own: JSON and Parquet are built in.
 *
 * Every failure is MooringError INVALID_REQUEST naming the path (and DuckDB's message when DuckDB refused).
 */
import { randomUUID } from 'node:crypto';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { DuckDBDataChunk, DuckDBInstance, DuckDBVector } from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBType } from '@duckdb/node-api';
import { fail, isMooringError } from '../../core/errors.js';
import type { MooringError } from '../../core/errors.js';
import type { CellValue, Column, ColumnKind, Table } from '../../core/profile/table.js';
import { duckdbTypeFor, identifier, literal, planRead, writeExpression } from './column-types.js';
import type { ReadPlan } from './column-types.js';

/** Options of `readTable`. */
export interface ReadTableOptions {
  /** Read at most this many rows (the first ones in file order). Default: all. */
  readonly maxRows?: number;
}

/** The formats `writeTable` writes. */
export type TableFileFormat = 'csv' | 'jsonl' | 'parquet';

type SourceFormat = 'csv' | 'tsv' | 'parquet' | 'jsonl' | 'json';

const EXTENSIONS: ReadonlyArray<readonly [string, SourceFormat]> = [
  ['.csv', 'csv'],
  ['.tsv', 'tsv'],
  ['.parquet', 'parquet'],
  ['.jsonl', 'jsonl'],
  ['.ndjson', 'jsonl'],
  ['.json', 'json'],
];

/**
 * Reads a data file into a Table, the reader chosen by the extension: `.csv` / `.tsv` (types and dialect
 * detected; `""` is an empty string, an empty field is null), `.parquet`, `.jsonl` / `.ndjson` (one JSON object
 * per line), `.json` (JSON lines or one array of objects). CSV, TSV and JSON files may be gzipped (`.csv.gz`).
 * Throws INVALID_REQUEST for an unknown extension, a missing or unreadable file, a file DuckDB cannot parse, a
 * column of an unsupported type, or an integer beyond 2^53.
 */
export async function readTable(path: string, options: ReadTableOptions = {}): Promise<Table> {
  const absolute = resolve(path);
  const format = sourceFormat(absolute);
  const maxRows = options.maxRows;
  if (maxRows !== undefined && !(Number.isSafeInteger(maxRows) && maxRows >= 0)) {
    throw fail('INVALID_REQUEST', `maxRows must be a whole number >= 0, got ${String(maxRows)}`, { maxRows });
  }
  await requireFile(absolute);
  const source = sourceSql(absolute, format);
  return withConnection(absolute, 'read', async (connection) => {
    if (format === 'csv' || format === 'tsv') await refuseSkippedRows(connection, absolute, source);
    const probe = await connection.runAndReadAll(`SELECT * FROM ${source} LIMIT 0`);
    const names = probe.columnNames();
    if (names.length === 0) return { rows: 0, columns: [] };
    const plans = names.map((name, i) => planRead(name, probe.columnType(i), absolute));
    const limit = maxRows === undefined ? '' : ` LIMIT ${maxRows}`;
    const result = await connection.stream(`SELECT ${plans.map((p) => p.expression).join(', ')} FROM ${source}${limit}`);
    const values: CellValue[][] = plans.map(() => []);
    let rows = 0;
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const n = chunk.rowCount;
      for (let c = 0; c < plans.length; c++) readVector(chunk.getColumnVector(c), n, rows, plans[c]!, values[c]!, absolute);
      rows += n;
    }
    const columns: Column[] = plans.map((p, c) => ({ name: p.name, kind: p.kind, values: values[c]! }));
    return { rows, columns };
  });
}

/**
 * Writes a Table to `path` as CSV (with a header), JSON lines or Parquet; missing values stay null (an empty CSV
 * field, JSON null). Number columns holding only whole numbers are written as BIGINT, others as DOUBLE (NaN and
 * ±Infinity as DuckDB writes them: `nan`/`inf` in CSV, bare `NaN`/`Infinity` in JSON lines, which DuckDB reads
 * back but strict JSON parsers do not). Timestamps are ISO-8601 UTC strings (`2026-01-02T03:04:05.678Z`) in CSV and
 * JSON lines, TIMESTAMP WITH TIME ZONE in Parquet. The file appears whole or not at all (temporary file + rename);
 * an existing file is replaced. Throws INVALID_REQUEST for a table that does not hold together (no column,
 * duplicate names, wrong lengths, a value of the wrong kind, a timestamp that is not whole milliseconds) or a path
 * DuckDB cannot write.
 */
export async function writeTable(path: string, table: Table, format: TableFileFormat): Promise<void> {
  const copyOptions = COPY_OPTIONS[format];
  if (copyOptions === undefined) throw fail('INVALID_REQUEST', `cannot write format ${JSON.stringify(format)} (csv, jsonl or parquet)`);
  checkTable(table);
  const absolute = resolve(path);
  await requireDirectory(dirname(absolute));
  const temporary = join(dirname(absolute), `.${basename(absolute)}.${randomUUID()}.tmp`);
  try {
    await withConnection(absolute, 'write', async (connection) => {
      const integral = table.columns.map((c) => c.kind === 'number' && c.values.every((v) => v === null || Number.isSafeInteger(v)));
      await connection.run(`CREATE TABLE data (${table.columns.map((c, i) => `c${i} ${duckdbTypeFor(c.kind)}`).join(', ')})`);
      await appendRows(connection, table);
      const select = table.columns.map((c, i) => `${writeExpression(`c${i}`, c.kind, integral[i]!, format)} AS ${identifier(c.name)}`);
      await connection.run(`COPY (SELECT ${select.join(', ')} FROM data) TO ${literal(temporary)} (${copyOptions})`);
    });
    await rename(temporary, absolute);
  } catch (e) {
    await rm(temporary, { force: true }).catch(() => undefined);
    if (isMooringError(e)) throw e;
    throw fail('INVALID_REQUEST', `cannot write ${absolute}: ${(e as Error).message}`, { path: absolute });
  }
}

const COPY_OPTIONS: Readonly<Record<TableFileFormat, string>> = {
  csv: 'FORMAT csv, HEADER true',
  jsonl: 'FORMAT json',
  parquet: 'FORMAT parquet',
};

/** Opens an in-memory DuckDB, runs `work`, and always closes both; DuckDB's errors become INVALID_REQUEST. */
async function withConnection<T>(path: string, verb: 'read' | 'write', work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
  let instance: DuckDBInstance | undefined;
  let connection: DuckDBConnection | undefined;
  try {
    // No downloads and no loading from disk: JSON, Parquet and ICU are compiled into the binding.
    instance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
    connection = await instance.connect();
    // Timestamps with a zone print and convert in UTC whatever the machine's zone is.
    await connection.run(`SET TimeZone = 'UTC'`);
    return await work(connection);
  } catch (e) {
    throw duckdbError(e, path, verb);
  } finally {
    connection?.closeSync();
    instance?.closeSync();
  }
}

function duckdbError(e: unknown, path: string, verb: 'read' | 'write'): MooringError {
  if (isMooringError(e)) return e;
  // DuckDB appends the SQL it ran ("LINE 1: SELECT ..."): keep its first paragraph only.
  const message = String((e as Error)?.message ?? e).split(/\n\s*\n/)[0]!.trim();
  return fail('INVALID_REQUEST', `cannot ${verb} ${path}: ${message}`, { path, reason: message });
}

/**
 * DuckDB's CSV sniffer silently skips leading lines whose field count differs from the rest (taking them for a
 * preamble), which would drop the header and rows of a ragged file: refused instead.
 */
async function refuseSkippedRows(connection: DuckDBConnection, path: string, source: string): Promise<void> {
  const sniffed = await connection.runAndReadAll(`SELECT SkipRows FROM ${source.replace(/^read_csv\(/, 'sniff_csv(')}`);
  const skipped = Number(sniffed.getRowsJS()[0]?.[0] ?? 0);
  if (skipped > 0) {
    throw fail(
      'INVALID_REQUEST',
      `cannot read ${path}: its first ${skipped} line(s) do not have the same fields as the rest (a ragged or malformed CSV)`,
      { path, skippedLines: skipped },
    );
  }
}

/** Copies one chunk's vector into `out`, checking what SQL could not (safe integers, all-null columns). */
function readVector(vector: DuckDBVector, n: number, firstRow: number, plan: ReadPlan, out: CellValue[], path: string): void {
  if (plan.check === 'none') {
    for (let i = 0; i < n; i++) out.push(vector.getItem(i) as CellValue);
    return;
  }
  for (let i = 0; i < n; i++) {
    const v = vector.getItem(i) as CellValue;
    if (v !== null) {
      if (plan.check === 'all-null') {
        throw fail('INVALID_REQUEST', `${path}: column ${JSON.stringify(plan.name)} has type ${plan.sourceType}, which is not supported`, {
          path,
          column: plan.name,
          type: plan.sourceType,
        });
      }
      if (Math.abs(v as number) > Number.MAX_SAFE_INTEGER) {
        throw fail(
          'INVALID_REQUEST',
          `${path}: column ${JSON.stringify(plan.name)} (${plan.sourceType}) holds an integer beyond ±(2^53 - 1) in row ` +
            `${firstRow + i + 1} (about ${String(v)}), which a number cannot keep exactly; store it as a string or a float`,
          { path, column: plan.name, row: firstRow + i + 1 },
        );
      }
    }
    out.push(v);
  }
}

/** Appends the table's rows to `data` one vector-sized chunk at a time. */
async function appendRows(connection: DuckDBConnection, table: Table): Promise<void> {
  const appender = await connection.createAppender('data');
  try {
    const types: DuckDBType[] = [];
    for (let i = 0; i < table.columns.length; i++) types.push(appender.columnType(i));
    const size = DuckDBVector.standardSize();
    for (let start = 0; start < table.rows; start += size) {
      const n = Math.min(size, table.rows - start);
      const chunk = DuckDBDataChunk.create(types, n);
      table.columns.forEach((c, i) => chunk.setColumnValues(i, c.values.slice(start, start + n)));
      appender.appendDataChunk(chunk);
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

/** Refuses a table whose columns do not hold together or whose values do not match their kinds. */
function checkTable(table: Table): void {
  if (table.columns.length === 0) throw fail('INVALID_REQUEST', 'cannot write a table without columns');
  const names = new Set<string>();
  for (const c of table.columns) {
    if (names.has(c.name)) throw fail('INVALID_REQUEST', `the table has two columns named ${JSON.stringify(c.name)}`, { column: c.name });
    names.add(c.name);
    if (c.values.length !== table.rows) {
      throw fail('INVALID_REQUEST', `column ${JSON.stringify(c.name)} has ${c.values.length} values for ${table.rows} rows`, { column: c.name });
    }
    const expected = JS_TYPE[c.kind];
    for (let r = 0; r < c.values.length; r++) {
      const v = c.values[r];
      if (v === null) continue;
      if (typeof v !== expected || (c.kind === 'timestamp' && !Number.isSafeInteger(v))) {
        throw fail('INVALID_REQUEST', `column ${JSON.stringify(c.name)} (${c.kind}) cannot hold ${JSON.stringify(v) ?? String(v)} (row ${r + 1})`, {
          column: c.name,
          row: r + 1,
        });
      }
    }
  }
}

const JS_TYPE: Readonly<Record<ColumnKind, 'number' | 'string' | 'boolean'>> = {
  number: 'number',
  string: 'string',
  boolean: 'boolean',
  timestamp: 'number',
};

/** The format from the extension (a trailing `.gz` looked through for the text formats). */
function sourceFormat(path: string): SourceFormat {
  let lower = path.toLowerCase();
  const gzipped = lower.endsWith('.gz');
  if (gzipped) lower = lower.slice(0, -3);
  const match = EXTENSIONS.find(([ext]) => lower.endsWith(ext));
  if (!match || (gzipped && match[1] === 'parquet')) {
    throw fail('INVALID_REQUEST', `cannot tell the format of ${path}: name it .csv, .tsv, .parquet, .jsonl, .ndjson or .json`, { path });
  }
  return match[1];
}

async function requireFile(path: string): Promise<void> {
  let isFile: boolean;
  try {
    isFile = (await stat(path)).isFile();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw fail('INVALID_REQUEST', code === 'ENOENT' ? `no file at ${path}` : `cannot read ${path}: ${(e as Error).message}`, { path });
  }
  if (!isFile) throw fail('INVALID_REQUEST', `${path} is not a file`, { path });
}

async function requireDirectory(path: string): Promise<void> {
  let isDirectory = false;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch {
    // reported below
  }
  if (!isDirectory) throw fail('INVALID_REQUEST', `cannot write into ${path}: no such directory`, { path });
}

/** The table function that reads the file. */
function sourceSql(path: string, format: SourceFormat): string {
  const file = literal(escapeGlob(path));
  switch (format) {
    case 'csv':
      return `read_csv(${file}, allow_quoted_nulls = false)`;
    case 'tsv':
      return `read_csv(${file}, delim = '\\t', allow_quoted_nulls = false)`;
    case 'parquet':
      return `read_parquet(${file})`;
    case 'jsonl':
      return `read_json(${file}, format = 'newline_delimited')`;
    case 'json':
      return `read_json(${file})`;
  }
}

/** DuckDB expands `*`, `?` and `[...]` in file names; `[c]` matches exactly `c`. */
function escapeGlob(path: string): string {
  return path.replace(/[*?[]/g, (c) => `[${c}]`);
}
