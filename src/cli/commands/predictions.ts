import { Command, Option } from 'commander';
import { fail } from '../../core/errors.js';
import type { PredictionDto, PredictionListQuery } from '../../protocol/admin/monitoring-dto.js';
import { integerOption } from '../arguments.js';
import { formatPredictions } from '../format-predictions.js';
import { withAdmin } from '../invoke.js';
import { note, out, outJson } from '../output.js';
import { predictionsTable } from '../prediction-table.js';

/** The filters `list` and `export` share, as commander hands them over. */
interface FilterOptions {
  version?: string;
  since?: string;
  until?: string;
  flag?: string;
}

const TIME_HELP = 'ISO-8601, epoch ms, or a duration ago (1h, 30m, 7d)';
/** Rows `export` writes when no --limit is given: the whole export is held in memory before it is written. */
const DEFAULT_EXPORT_LIMIT = 1_000_000;
/** Page size of the reads behind `export`. */
const EXPORT_PAGE = 5000;

function withFilters(command: Command): Command {
  return command
    .option('--version <v>', 'only this version (a number or an alias)')
    .option('--since <time>', `only predictions at or after this time: ${TIME_HELP}`)
    .option('--until <time>', `only predictions before this time: ${TIME_HELP}`)
    .option('--flag <flag>', 'only predictions carrying this flag, e.g. out_of_distribution');
}

function filters(opts: FilterOptions): PredictionListQuery {
  const q: PredictionListQuery = {};
  if (opts.version !== undefined) q.version = opts.version;
  if (opts.since !== undefined) q.since = opts.since;
  if (opts.until !== undefined) q.until = opts.until;
  if (opts.flag !== undefined) q.flag = opts.flag;
  return q;
}

/** `mooring predictions list|export NAME`: the prediction log of a model. */
export function predictionsCommand(): Command {
  const predictions = new Command('predictions').description('list and export the logged predictions of a model, with their labels');

  withFilters(predictions.command('list'))
    .description('list logged predictions, newest first')
    .argument('<name>', 'model name')
    .option('--limit <n>', 'at most this many (default 100)', integerOption(1, 10_000))
    .option('--after <cursor>', 'continue after a page (the "next" of the previous page)')
    .option('--json', 'print {"items": [...], "next"} as JSON (full inputs, outputs and labels)')
    .action(async (name: string, opts: FilterOptions & { limit?: number; after?: string; json?: boolean }, cmd: Command) =>
      withAdmin(cmd, async (admin) => {
        const q = filters(opts);
        if (opts.limit !== undefined) q.limit = opts.limit;
        if (opts.after !== undefined) q.after = opts.after;
        const page = await admin.listPredictions(name, q);
        if (opts.json) return outJson(page);
        out(formatPredictions(page.items));
        if (page.next !== null) note(`more predictions: continue with --after ${page.next}`);
      }),
    );

  withFilters(predictions.command('export'))
    .description('write logged predictions to a CSV, JSON lines or Parquet file')
    .argument('<name>', 'model name')
    .requiredOption('--out <file>', 'the file to write (replaced when it exists)')
    .addOption(new Option('--format <format>', 'file format (default: from the --out extension)').choices(['csv', 'jsonl', 'parquet']))
    .option('--limit <n>', `at most this many, newest first (default ${DEFAULT_EXPORT_LIMIT})`, integerOption(1, 100_000_000))
    .option('--json', 'print {"file", "format", "rows", "complete"} as JSON')
    .action(async (name: string, opts: FilterOptions & { out: string; format?: string; limit?: number; json?: boolean }, cmd: Command) => {
      const format = exportFormat(opts.out, opts.format);
      const limit = opts.limit ?? DEFAULT_EXPORT_LIMIT;
      await withAdmin(cmd, async (admin) => {
        const items: PredictionDto[] = [];
        let after: string | undefined;
        let complete = false;
        while (items.length < limit) {
          const page = await admin.listPredictions(name, {
            ...filters(opts),
            limit: Math.min(EXPORT_PAGE, limit - items.length),
            ...(after === undefined ? {} : { after }),
          });
          items.push(...page.items);
          if (page.next === null) {
            complete = true;
            break;
          }
          after = page.next;
        }
        // Loaded on demand: DuckDB is only needed here.
        const { writeTable } = await import('../../storage/duckdb/table-files.js');
        await writeTable(opts.out, predictionsTable(items), format);
        if (opts.json) return outJson({ file: opts.out, format, rows: items.length, complete });
        out(`wrote ${items.length} predictions to ${opts.out}\n`);
        if (!complete) note(`stopped at --limit ${limit}: older predictions were not exported`);
      });
    });
  return predictions;
}

function exportFormat(file: string, format: string | undefined): 'csv' | 'jsonl' | 'parquet' {
  if (format === 'csv' || format === 'jsonl' || format === 'parquet') return format;
  const lower = file.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  if (lower.endsWith('.parquet')) return 'parquet';
  throw fail('INVALID_REQUEST', `cannot tell the format of ${file}: give --format csv|jsonl|parquet or name it .csv, .jsonl or .parquet`);
}
