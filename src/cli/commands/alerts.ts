import { Command, InvalidArgumentError, Option } from 'commander';
import { ALERT_OPS, ALERT_SEVERITIES, ALERT_SIGNALS } from '../../core/monitoring/alert-rule.js';
import type { AlertOp, AlertSeverity, AlertSignal, NotifyChannel } from '../../core/monitoring/alert-rule.js';
import { ACCURACY_METRICS } from '../../core/monitoring/signals.js';
import type { AccuracyMetric } from '../../core/monitoring/signals.js';
import { parseDuration, parseTimeOrAgo } from '../../core/time.js';
import type { AlertRuleBody } from '../../protocol/admin/alerts-admin-api.js';
import { integerOption, numberOption } from '../arguments.js';
import { formatAlertHistory, formatAlerts, formatRule, formatRuleChange, formatRules } from '../format-alerts.js';
import { withAdmin } from '../invoke.js';
import { out, outJson } from '../output.js';

interface SetOptions {
  model: string;
  version?: number;
  signal: AlertSignal;
  metric?: AccuracyMetric;
  column?: string;
  op?: AlertOp;
  threshold?: number;
  window?: number;
  for?: number;
  repeat?: number;
  maxDrop?: number;
  baselineMetric?: string;
  severity?: AlertSeverity;
  webhook?: string[];
  header?: Array<[string, string]>;
  log?: boolean;
  description?: string;
  disabled?: boolean;
  json?: boolean;
}

/** A commander parser for a duration (`90s`, `10m`, `1h30m`); `0` allowed when `zero` is. */
function durationOption(zero: boolean): (value: string) => number {
  return (value) => {
    if (zero && /^0+(ms|s|m|h|d|w)?$/.test(value)) return 0;
    try {
      return parseDuration(value);
    } catch {
      throw new InvalidArgumentError(`expected a duration such as 30s, 10m, 1h30m${zero ? ' or 0' : ''}, got ${JSON.stringify(value)}`);
    }
  };
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function collectHeader(value: string, previous: Array<[string, string]> | undefined): Array<[string, string]> {
  const colon = value.indexOf(':');
  if (colon <= 0) throw new InvalidArgumentError(`expected "Name: value", got ${JSON.stringify(value)}`);
  return [...(previous ?? []), [value.slice(0, colon).trim(), value.slice(colon + 1).trim()]];
}

/** The rule `alerts set` describes: every option not given takes its default (a set replaces the whole rule). */
function ruleFrom(o: SetOptions): AlertRuleBody {
  const headers = o.header === undefined ? undefined : Object.fromEntries(o.header);
  const notify: NotifyChannel[] = (o.webhook ?? []).map((url) => ({ type: 'webhook', url, headers: headers ?? {} }));
  if (o.log) notify.push({ type: 'log' });
  const maybe = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } =>
    (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
  return {
    model: o.model,
    signal: o.signal,
    ...maybe('version', o.version),
    ...maybe('metric', o.metric),
    ...maybe('column', o.column),
    ...maybe('op', o.op),
    ...maybe('threshold', o.threshold),
    ...maybe('windowMs', o.window),
    ...maybe('forMs', o.for),
    ...maybe('repeatIntervalMs', o.repeat),
    ...maybe('severity', o.severity),
    ...maybe('description', o.description),
    ...(o.maxDrop === undefined && o.baselineMetric === undefined
      ? {}
      : { baseline: { maxDrop: o.maxDrop as number, ...maybe('metricFromVersion', o.baselineMetric) } }),
    ...(notify.length === 0 ? {} : { notify }),
    ...(o.disabled ? { enabled: false } : {}),
  };
}

/** `mooring alerts list|rules|set|delete|history`: alert rules, what they say now, and what they said. */
export function alertsCommand(): Command {
  const alerts = new Command('alerts').description('alert rules on error rate, latency, accuracy and drift; their states and history');

  alerts
    .command('list')
    .description('show every rule with its alert state: firing first, then pending, resolved, inactive')
    .option('--json', 'print {"alerts": [...]} as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) =>
      withAdmin(cmd, async (admin) => {
        const list = await admin.listAlerts();
        if (opts.json) outJson({ alerts: list });
        else out(formatAlerts(list));
      }),
    );

  alerts
    .command('rules')
    .description('show the alert rules (or one rule in full)')
    .argument('[name]', 'one rule to show')
    .option('--json', 'print {"rules": [...]} (or the one rule) as JSON')
    .action(async (name: string | undefined, opts: { json?: boolean }, cmd: Command) =>
      withAdmin(cmd, async (admin) => {
        if (name !== undefined) {
          const rule = await admin.getAlertRule(name);
          if (opts.json) outJson(rule);
          else out(formatRule(rule));
          return;
        }
        const rules = await admin.listAlertRules();
        if (opts.json) outJson({ rules });
        else out(formatRules(rules));
      }),
    );

  alerts
    .command('set')
    .description('create or replace an alert rule (options not given take their defaults)')
    .argument('<name>', 'rule name: 1-128 of [A-Za-z0-9_.-]')
    .requiredOption('--model <name>', 'the model to watch')
    .option('--version <n>', 'watch this version (default: whichever serves production)', integerOption(1, Number.MAX_SAFE_INTEGER))
    .addOption(new Option('--signal <signal>', 'what to watch').choices([...ALERT_SIGNALS]).makeOptionMandatory())
    .addOption(new Option('--metric <metric>', 'for --signal accuracy: the live metric').choices([...ACCURACY_METRICS]))
    .option('--column <column>', 'for --signal column_drift: the feature or output column')
    .addOption(new Option('--op <op>', 'the alert condition is: value OP threshold').choices([...ALERT_OPS]))
    .option('--threshold <x>', 'the threshold', numberOption())
    .option('--max-drop <x>', 'for accuracy: fire when live is more than X below the version\'s registered metric (instead of --op/--threshold)', numberOption())
    .option('--baseline-metric <key>', 'with --max-drop: the registered metric to compare with (default: --metric)')
    .option('--window <duration>', 'trailing window of the signal (default 10m)', durationOption(false))
    .option('--for <duration>', 'how long the condition must hold before firing (default 0: at once)', durationOption(true))
    .option('--repeat <duration>', 'while firing, notify again this often (default 4h; 0: never)', durationOption(true))
    .addOption(new Option('--severity <severity>', 'default warning').choices([...ALERT_SEVERITIES]))
    .option('--webhook <url>', 'POST notifications to this URL (repeatable)', collect)
    .option('--header <"Name: value">', 'a header for the webhooks, e.g. "Authorization: Bearer x" (repeatable)', collectHeader)
    .option('--log', 'write notifications to the server log (the default when no --webhook is given)')
    .option('--description <text>', 'sent with every notification: what it means, what to do')
    .option('--disabled', 'store the rule without evaluating it')
    .option('--json', 'print the rule (with "change") as JSON')
    .action(async (name: string, opts: SetOptions, cmd: Command) => {
      const rule = ruleFrom(opts);
      await withAdmin(cmd, async (admin) => {
        const change = await admin.setAlertRule(name, rule);
        if (opts.json) outJson(change);
        else out(formatRuleChange(change));
      });
    });

  alerts
    .command('delete')
    .description('delete an alert rule (its history stays; a firing alert is resolved and notified)')
    .argument('<name>', 'rule name')
    .option('--json', 'print the deleted rule as JSON')
    .action(async (name: string, opts: { json?: boolean }, cmd: Command) =>
      withAdmin(cmd, async (admin) => {
        const rule = await admin.deleteAlertRule(name);
        if (opts.json) outJson(rule);
        else out(`alert rule ${rule.name} deleted\n`);
      }),
    );

  alerts
    .command('history')
    .description('show alert state changes, newest first')
    .argument('[name]', 'only this rule')
    .option('--model <name>', 'only rules of this model')
    .option('--since <time>', 'from this time: ISO-8601, epoch ms, or a duration ago (1h, 7d)')
    .option('--limit <n>', 'at most this many events (default 100)', integerOption(1, 1000))
    .option('--cursor <cursor>', 'continue after a previous page (its "next")')
    .option('--json', 'print {"events": [...], "next"} as JSON')
    .action(async (name: string | undefined, opts: { model?: string; since?: string; limit?: number; cursor?: string; json?: boolean }, cmd: Command) => {
      const since = opts.since === undefined ? undefined : parseTimeOrAgo(opts.since, Date.now(), '--since');
      await withAdmin(cmd, async (admin) => {
        const page = await admin.alertHistory({ rule: name, model: opts.model, since, limit: opts.limit, cursor: opts.cursor });
        if (opts.json) outJson(page);
        else out(formatAlertHistory(page.events, page.next));
      });
    });

  return alerts;
}
