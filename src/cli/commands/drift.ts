import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { fail } from '../../core/errors.js';
import { DRIFT_METHODS } from '../../core/monitoring/drift/select.js';
import type { DriftMethod } from '../../core/monitoring/drift/select.js';
import type { DriftReport, DriftReportQuery } from '../../protocol/admin/drift-dto.js';
import { MAX_LAST } from '../../core/monitoring/drift-report.js';
import { integerOption } from '../arguments.js';
import { withAdmin } from '../invoke.js';
import { note, out, outJson } from '../output.js';
import { formatTable } from '../table.js';

interface ReportOptions {
  version?: string;
  since?: string;
  until?: string;
  last?: number;
  method?: DriftMethod;
  json?: boolean;
  html?: string;
}

/** `mooring drift report NAME`: drift of a version's logged traffic against its training profile. */
export function driftCommand(): Command {
  const drift = new Command('drift').description("compare a model's logged traffic with its training profile");
  drift
    .command('report')
    .description('test every feature and output column of a version for drift over a window of logged predictions')
    .argument('<name>', 'model name')
    .option('--version <v>', 'the version: a number, latest, or an alias (default: production)')
    .addOption(new Option('--since <time>', 'window start: ISO-8601, epoch ms, or a duration (1h, 7d) for the trailing window ending now').conflicts('last'))
    .option('--until <time>', 'window end (exclusive): ISO-8601, epoch ms, or a duration ago (default: now)')
    .addOption(new Option('--last <n>', 'the newest N predictions instead of a time window').argParser(integerOption(1, MAX_LAST)).conflicts('since'))
    .addOption(new Option('--method <method>', "one test for every column instead of Evidently's defaults").choices([...DRIFT_METHODS]))
    .option('--json', 'print the report as JSON')
    .option('--html <file>', 'also write the report as a self-contained HTML page with a chart per column')
    .addHelpText('after', '\nWithout --since or --last the window is the last 24 hours.')
    .action(async (name: string, opts: ReportOptions, cmd: Command) => {
      const query: DriftReportQuery = {};
      if (opts.version !== undefined) query.version = opts.version;
      if (opts.since !== undefined) query.since = opts.since;
      if (opts.until !== undefined) query.until = opts.until;
      if (opts.last !== undefined) query.last = opts.last;
      if (opts.method !== undefined) query.method = opts.method;
      await withAdmin(cmd, async (admin) => {
        const report = await admin.driftReport(name, query);
        if (opts.html !== undefined) {
          const page = await admin.driftReportHtml(name, query);
          try {
            writeFileSync(opts.html, page);
          } catch (e) {
            throw fail('INVALID_REQUEST', `cannot write --html ${JSON.stringify(opts.html)}: ${(e as Error).message}`);
          }
          note(`wrote the HTML report to ${opts.html}`);
        }
        if (opts.json) outJson(report);
        else out(formatDriftReport(report));
      });
    });
  return drift;
}

/** The human form of a report: a summary line and a table of columns. */
export function formatDriftReport(r: DriftReport): string {
  const features = r.columns.filter((c) => c.kind === 'feature');
  const drifted = features.filter((c) => c.drift).length;
  const head =
    `${r.model} version ${r.version}: ${r.dataset_drift ? 'DATASET DRIFT' : 'no dataset drift'} ` +
    `(${drifted} of ${features.length} features drifted, share ${num(r.drift_share)})\n` +
    `reference rows ${r.reference_rows}, current rows ${r.current_rows}\n`;
  const table = formatTable(r.columns, [
    { header: 'column', value: (c) => c.name },
    { header: 'kind', value: (c) => c.kind },
    { header: 'type', value: (c) => c.type },
    { header: 'test', value: (c) => c.method },
    { header: 'statistic', value: (c) => num(c.statistic), right: true },
    { header: 'p-value', value: (c) => num(c.p_value), right: true },
    { header: 'threshold', value: (c) => num(c.threshold), right: true },
    { header: 'drift', value: (c) => (c.drift ? 'DRIFT' : c.statistic === null ? 'no data' : 'no') },
  ]);
  return `${head}\n${table}${r.current_rows === 0 ? '\nno logged predictions in the window\n' : ''}`;
}

function num(v: number | null): string {
  if (v === null) return '-';
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e6 || a < 1e-4 ? v.toExponential(3) : String(Number(v.toPrecision(4)));
}
