import type { AccuracyAnswerDto, PredictionDto, VersionAccuracyDto } from '../protocol/admin/monitoring-dto.js';
import { formatTable, orDash } from './table.js';

/**
 * Human renderings of the prediction log and live accuracy. The `--json` output never passes through here.
 */

/** `predictions list`: one row per prediction, newest first, with its label. */
export function formatPredictions(items: readonly PredictionDto[]): string {
  if (items.length === 0) return 'no predictions\n';
  return formatTable(items, [
    { header: 'id', value: (p) => p.id },
    { header: 'at', value: (p) => p.at },
    { header: 'version', value: (p) => String(p.version), right: true },
    { header: 'route', value: (p) => p.route },
    { header: 'rows', value: (p) => String(p.rows), right: true },
    { header: 'latency ms', value: (p) => p.latency_ms.toFixed(2), right: true },
    { header: 'status', value: (p) => (p.error === null ? p.status : `${p.status} ${p.error}`) },
    { header: 'flags', value: (p) => (p.flags.length === 0 ? '-' : p.flags.join(',')) },
    { header: 'label', value: (p) => (p.label_at === null ? '-' : clip(JSON.stringify(p.label), 40)) },
  ]);
}

/** `accuracy`: per version, the metrics, then the windows when there are any. */
export function formatAccuracy(answer: AccuracyAnswerDto): string {
  const head = `${answer.model}: labelled predictions from ${answer.since} to ${answer.until}` + (answer.truncated ? ' (newest only: limit reached)' : '') + '\n';
  if (answer.versions.length === 0) return `${head}no labelled predictions in the range\n`;
  return head + answer.versions.map(formatVersionAccuracy).join('');
}

function formatVersionAccuracy(v: VersionAccuracyDto): string {
  const task = v.task === null ? 'no usable labels' : v.task + (v.positive_class === null ? '' : `, positive class ${v.positive_class}`);
  const unusable = v.unusable > 0 ? `, ${v.unusable} unusable` : '';
  let text = `\nversion ${v.version} (${task}): ${v.labelled} labelled rows${unusable}\n`;
  const names = Object.keys(v.metrics);
  if (names.length > 0) text += names.map((m) => `  ${m.padEnd(9)} ${metric(v.metrics[m as keyof typeof v.metrics])}`).join('\n') + '\n';
  if (v.windows.length > 0) {
    text += '\n' + formatTable(v.windows, [
      { header: 'start', value: (w) => w.start },
      { header: 'end', value: (w) => w.end },
      { header: 'labelled', value: (w) => String(w.labelled), right: true },
      ...names.map((m) => ({ header: m, value: (w: (typeof v.windows)[number]) => metric(w.metrics[m as keyof typeof w.metrics]), right: true })),
    ]);
  }
  return text;
}

function metric(value: number | null | undefined): string {
  return value === null || value === undefined ? '-' : orDash(Number(value.toPrecision(6)));
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
