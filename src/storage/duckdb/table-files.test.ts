import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { MooringError } from '../../core/errors.js';
import type { Column, Table } from '../../core/profile/table.js';
import { readTable, writeTable } from './table-files.js';

/** Runs SQL in a throwaway DuckDB: how the tests make Parquet files with types writeTable never writes. */
async function duckdb(sql: string): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(sql);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mooring-table-files-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const column = (t: Table, name: string): Column => {
  const c = t.columns.find((x) => x.name === name);
  assert.ok(c, `column ${name}`);
  return c;
};

/** Asserts the promise rejects with INVALID_REQUEST and a message matching `text`. */
async function rejectsInvalid(promise: Promise<unknown>, text: RegExp): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof MooringError, `expected MooringError, got ${String(e)}`);
    assert.equal(e.code, 'INVALID_REQUEST');
    assert.match(e.message, text);
    return true;
  });
}

const T0 = Date.UTC(2026, 0, 2, 3, 4, 5, 678);

describe('readTable: CSV and TSV', () => {
  test('infers numbers, strings, booleans, timestamps and dates; empty fields are null', async () => {
    const path = file(
      'basic.csv',
      [
        'id,score,plan,active,seen_at,day',
        '1,0.5,pro,true,2026-01-02T03:04:05.678Z,2026-01-02',
        '2,,free,false,,',
        '3,nan,"",true,2026-01-03T00:00:00Z,2026-01-03',
        '4,-2.25,,false,2026-01-04T00:00:00Z,2026-01-04',
      ].join('\n') + '\n',
    );
    const t = await readTable(path);
    assert.equal(t.rows, 4);
    assert.deepEqual(
      t.columns.map((c) => [c.name, c.kind]),
      [
        ['id', 'number'],
        ['score', 'number'],
        ['plan', 'string'],
        ['active', 'boolean'],
        ['seen_at', 'timestamp'],
        ['day', 'timestamp'],
      ],
    );
    assert.deepEqual(column(t, 'id').values, [1, 2, 3, 4]);
    assert.deepEqual(column(t, 'score').values, [0.5, null, NaN, -2.25]);
    assert.deepEqual(column(t, 'plan').values, ['pro', 'free', '', null], 'a quoted "" is an empty string, an empty field null');
    assert.deepEqual(column(t, 'active').values, [true, false, true, false]);
    assert.deepEqual(column(t, 'seen_at').values, [T0, null, Date.UTC(2026, 0, 3), Date.UTC(2026, 0, 4)]);
    assert.deepEqual(column(t, 'day').values, [Date.UTC(2026, 0, 2), null, Date.UTC(2026, 0, 3), Date.UTC(2026, 0, 4)]);
  });

  test('a timestamp without a zone is read as UTC', async () => {
    const t = await readTable(file('naive.csv', 'at\n2026-01-02 03:04:05.678\n'));
    assert.deepEqual(column(t, 'at'), { name: 'at', kind: 'timestamp', values: [T0] });
  });

  test('TSV, and a gzipped CSV', async () => {
    const tsv = await readTable(file('basic.tsv', 'a\tb\n1\tx,y\n2\tz\n'));
    assert.deepEqual(tsv.columns, [
      { name: 'a', kind: 'number', values: [1, 2] },
      { name: 'b', kind: 'string', values: ['x,y', 'z'] },
    ]);
    const gz = await readTable(file('zipped.csv.gz', gzipSync('a,b\n1,x\n')));
    assert.deepEqual(gz.columns[0], { name: 'a', kind: 'number', values: [1] });
  });

  test('maxRows reads the first rows only', async () => {
    const path = file('many.csv', 'n\n' + Array.from({ length: 5000 }, (_, i) => i).join('\n') + '\n');
    const t = await readTable(path, { maxRows: 3 });
    assert.deepEqual(t, { rows: 3, columns: [{ name: 'n', kind: 'number', values: [0, 1, 2] }] });
    assert.equal((await readTable(path)).rows, 5000);
    assert.equal((await readTable(path, { maxRows: 0 })).rows, 0);
    await rejectsInvalid(readTable(path, { maxRows: -1 }), /maxRows/);
  });

  test('integers up to 2^53 - 1 are kept exactly; larger ones are refused, naming column and row', async () => {
    const ok = await readTable(file('safe.csv', 'id\n9007199254740991\n-9007199254740991\n'));
    assert.deepEqual(column(ok, 'id').values, [Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER]);
    await rejectsInvalid(readTable(file('big.csv', 'id,x\n1,1\n9007199254740993,2\n')), /column "id" \(BIGINT\) holds an integer beyond ±\(2\^53 - 1\) in row 2/);
  });

  test('a column with nothing in it is a string column of nulls', async () => {
    const t = await readTable(file('empty-col.csv', 'a,b\n1,\n2,\n'));
    assert.deepEqual(column(t, 'b'), { name: 'b', kind: 'string', values: [null, null] });
  });
});

describe('readTable: JSON', () => {
  test('JSON lines: types, nulls, a field missing from a row, an all-null field', async () => {
    const path = file(
      'rows.jsonl',
      [
        '{"x": 1.5, "s": "a", "b": true, "t": "2026-01-02T03:04:05.678Z", "n": null}',
        '{"x": null, "s": null, "b": false, "t": null, "n": null}',
        '{"x": 3, "b": true, "t": "2026-01-03T00:00:00.000Z", "n": null}',
      ].join('\n') + '\n',
    );
    for (const p of [path, file('rows.ndjson', readFileSync(path))]) {
      const t = await readTable(p);
      assert.equal(t.rows, 3);
      assert.deepEqual(t.columns, [
        { name: 'x', kind: 'number', values: [1.5, null, 3] },
        { name: 's', kind: 'string', values: ['a', null, null] },
        { name: 'b', kind: 'boolean', values: [true, false, true] },
        { name: 't', kind: 'timestamp', values: [T0, null, Date.UTC(2026, 0, 3)] },
        { name: 'n', kind: 'string', values: [null, null, null] },
      ]);
    }
  });

  test('.json: an array of objects or JSON lines', async () => {
    const array = await readTable(file('array.json', '[{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]'));
    assert.deepEqual(array.columns, [
      { name: 'a', kind: 'number', values: [1, 2] },
      { name: 'b', kind: 'string', values: ['x', 'y'] },
    ]);
    const lines = await readTable(file('lines.json', '{"a": 1}\n{"a": 2}\n'));
    assert.deepEqual(lines.columns, [{ name: 'a', kind: 'number', values: [1, 2] }]);
  });

  test('Parquet: 128-bit and unsigned integers are numbers, refused beyond 2^53; lists and blobs are refused', async () => {
    const fine = join(dir, 'wide-ok.parquet');
    await duckdb(
      `COPY (SELECT 12::HUGEINT AS h, 9007199254740991::UBIGINT AS u, 1.25::DECIMAL(10, 2) AS d, 2.5::FLOAT AS f, 7::TINYINT AS t, ` +
        `'b'::ENUM('a', 'b') AS e, TIMESTAMP_NS '2026-01-02 03:04:05.678999' AS ns) TO '${fine}' (FORMAT parquet)`,
    );
    const t = await readTable(fine);
    assert.deepEqual(
      t.columns.map((c) => [c.name, c.kind, c.values[0]]),
      [
        ['h', 'number', 12],
        ['u', 'number', Number.MAX_SAFE_INTEGER],
        ['d', 'number', 1.25],
        ['f', 'number', 2.5],
        ['t', 'number', 7],
        ['e', 'string', 'b'],
        ['ns', 'timestamp', T0],
      ],
    );
    // Parquet has no 128-bit integers (DuckDB writes HUGEINT as DOUBLE); 64-bit unsigned ones it has.
    const huge = join(dir, 'wide-huge.parquet');
    await duckdb(`COPY (SELECT 18446744073709551615::UBIGINT AS u) TO '${huge}' (FORMAT parquet)`);
    await rejectsInvalid(readTable(huge), /column "u" \(UBIGINT\) holds an integer beyond/);
    const list = join(dir, 'list.parquet');
    await duckdb(`COPY (SELECT 1 AS a, [1, 2] AS tags) TO '${list}' (FORMAT parquet)`);
    await rejectsInvalid(readTable(list), /list\.parquet: column "tags" has type INTEGER\[\], which is not supported/);
    const blob = join(dir, 'blob.parquet');
    await duckdb(`COPY (SELECT 'x'::BLOB AS raw) TO '${blob}' (FORMAT parquet)`);
    await rejectsInvalid(readTable(blob), /column "raw" has type BLOB/);
  });

  test('lists, structs and mixed JSON values are refused naming the column and its type', async () => {
    await rejectsInvalid(readTable(file('list.jsonl', '{"a": 1, "tags": [1, 2]}\n')), /column "tags" has type BIGINT\[\], which is not supported/);
    await rejectsInvalid(readTable(file('struct.jsonl', '{"a": 1, "o": {"k": 1}}\n')), /column "o" has type STRUCT\("k" BIGINT\)/);
    await rejectsInvalid(readTable(file('time.csv', 'at\n12:30:00\n')), /column "at" has type TIME/);
  });
});

describe('writeTable and back', () => {
  const table: Table = {
    rows: 4,
    columns: [
      { name: 'id', kind: 'number', values: [1, 2, null, 9007199254740991] },
      { name: 'score', kind: 'number', values: [0.1, null, -1e-300, 2.5] },
      { name: 'plan', kind: 'string', values: ['pro', '', null, 'it\'s "quoted", ünïcode\nnewline'] },
      { name: 'active', kind: 'boolean', values: [true, null, false, true] },
      { name: 'at', kind: 'timestamp', values: [T0, null, 0, -86_400_000] },
      { name: 'odd "name", with comma', kind: 'number', values: [null, null, null, null] },
    ],
  };

  for (const format of ['parquet', 'csv', 'jsonl'] as const) {
    test(`${format}: values, nulls, timestamps and names survive the round trip`, async () => {
      const path = join(dir, `round-trip.${format}`);
      await writeTable(path, table, format);
      const back = await readTable(path);
      assert.equal(back.rows, 4);
      assert.deepEqual(back.columns.slice(0, 5), table.columns.slice(0, 5));
      // A column of nulls has no type to infer from: it comes back as nulls, typed as the format allows.
      assert.equal(back.columns[5]!.name, 'odd "name", with comma');
      assert.deepEqual(back.columns[5]!.values, [null, null, null, null]);
    });
  }

  test('CSV output: a header, whole numbers without a fraction, ISO-8601 UTC times', async () => {
    const path = join(dir, 'plain.csv');
    await writeTable(
      path,
      {
        rows: 2,
        columns: [
          { name: 'n', kind: 'number', values: [1, null] },
          { name: 'at', kind: 'timestamp', values: [T0, 0] },
        ],
      },
      'csv',
    );
    assert.equal(readFileSync(path, 'utf8'), 'n,at\n1,2026-01-02T03:04:05.678Z\n,1970-01-01T00:00:00.000Z\n');
  });

  test('NaN and infinities survive Parquet', async () => {
    const path = join(dir, 'nan.parquet');
    await writeTable(path, { rows: 3, columns: [{ name: 'x', kind: 'number', values: [NaN, Infinity, -Infinity] }] }, 'parquet');
    assert.deepEqual((await readTable(path)).columns[0]!.values, [NaN, Infinity, -Infinity]);
  });

  test('many rows (several DuckDB chunks) and zero rows', async () => {
    const n = 5000;
    const big: Table = {
      rows: n,
      columns: [
        { name: 'i', kind: 'number', values: Array.from({ length: n }, (_, i) => i) },
        { name: 's', kind: 'string', values: Array.from({ length: n }, (_, i) => (i % 7 === 0 ? null : `v${i % 13}`)) },
      ],
    };
    const path = join(dir, 'big.parquet');
    await writeTable(path, big, 'parquet');
    assert.deepEqual(await readTable(path), big);
    const empty: Table = { rows: 0, columns: [{ name: 'a', kind: 'number', values: [] }] };
    await writeTable(join(dir, 'empty.parquet'), empty, 'parquet');
    assert.deepEqual(await readTable(join(dir, 'empty.parquet')), empty);
  });

  test('replaces an existing file', async () => {
    const path = join(dir, 'replace.jsonl');
    await writeTable(path, { rows: 1, columns: [{ name: 'a', kind: 'number', values: [1] }] }, 'jsonl');
    await writeTable(path, { rows: 1, columns: [{ name: 'b', kind: 'string', values: ['x'] }] }, 'jsonl');
    assert.deepEqual((await readTable(path)).columns, [{ name: 'b', kind: 'string', values: ['x'] }]);
  });

  test('refuses a table that does not hold together, and leaves no file behind', async () => {
    const out = join(dir, 'refused');
    mkdirSync(out);
    const path = join(out, 'x.csv');
    const cases: [Table, RegExp][] = [
      [{ rows: 0, columns: [] }, /without columns/],
      [{ rows: 2, columns: [{ name: 'a', kind: 'number', values: [1] }] }, /has 1 values for 2 rows/],
      [
        {
          rows: 1,
          columns: [
            { name: 'a', kind: 'number', values: [1] },
            { name: 'a', kind: 'number', values: [1] },
          ],
        },
        /two columns named "a"/,
      ],
      [{ rows: 1, columns: [{ name: 'a', kind: 'number', values: ['1'] }] }, /column "a" \(number\) cannot hold "1" \(row 1\)/],
      [{ rows: 1, columns: [{ name: 't', kind: 'timestamp', values: [1.5] }] }, /column "t" \(timestamp\) cannot hold 1.5/],
    ];
    for (const [t, text] of cases) await rejectsInvalid(writeTable(path, t, 'csv'), text);
    await rejectsInvalid(writeTable(path, { rows: 0, columns: [{ name: 'a', kind: 'number', values: [] }] }, 'xlsx' as 'csv'), /cannot write format "xlsx"/);
    await rejectsInvalid(writeTable(join(dir, 'no-such-dir', 'x.csv'), table, 'csv'), /cannot write into .*no-such-dir: no such directory/);
    assert.deepEqual(readdirSync(out), []);
  });
});

describe('readTable: files it cannot read', () => {
  test('a missing file, a directory, an unknown extension', async () => {
    await rejectsInvalid(readTable(join(dir, 'missing.csv')), /no file at .*missing\.csv/);
    mkdirSync(join(dir, 'folder.csv'));
    await rejectsInvalid(readTable(join(dir, 'folder.csv')), /folder\.csv is not a file/);
    await rejectsInvalid(readTable(file('data.xlsx', 'x')), /cannot tell the format of .*data\.xlsx/);
  });

  test('a file its reader cannot parse: the path and DuckDB’s reason, without the SQL', async () => {
    for (const [name, text] of [
      ['bad.parquet', 'not parquet at all'],
      ['bad.jsonl', '{"a": 1}\n{"a": \n'],
      ['not-utf8.csv', Buffer.from([0x61, 0x0a, 0xff, 0xfe, 0x0a])],
    ] as const) {
      const path = file(name, text);
      await assert.rejects(readTable(path), (e: unknown) => {
        assert.ok(e instanceof MooringError, String(e));
        assert.equal(e.code, 'INVALID_REQUEST');
        assert.ok(e.message.startsWith(`cannot read ${path}: `), e.message);
        assert.doesNotMatch(e.message, /LINE 1|SELECT/);
        assert.equal(e.details?.['path'], path);
        return true;
      });
    }
  });

  test('a ragged CSV is refused, not read from its first consistent line on', async () => {
    await rejectsInvalid(readTable(file('ragged.csv', 'a,b\n1,2\n3,4,5,6\n')), /ragged\.csv: its first 2 line\(s\) do not have the same fields/);
  });

  test('a path with a single quote and glob characters reads exactly that file', async () => {
    const odd = join(dir, "it's [1] *?");
    mkdirSync(odd);
    writeFileSync(join(odd, "o'brien[1].csv"), 'who\nthe right file\n');
    writeFileSync(join(odd, "o'brien1.csv"), 'who\nthe glob match\n');
    const t = await readTable(join(odd, "o'brien[1].csv"));
    assert.deepEqual(t.columns, [{ name: 'who', kind: 'string', values: ['the right file'] }]);
    const written = join(odd, "out'put.parquet");
    await writeTable(written, t, 'parquet');
    assert.deepEqual(await readTable(written), t);
    await rejectsInvalid(readTable(join(odd, "it'*.csv")), /no file at/);
  });
});
