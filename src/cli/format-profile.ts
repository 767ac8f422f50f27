import type { FeatureSignatureDto } from '../protocol/admin/dto.js';
import type { VersionProfileDto } from '../protocol/admin/profile-dto.js';
import { formatFields, formatTable, orDash } from './table.js';

/**
 * Human renderings of named features and training profiles: a summary for `models show`, every statistic for
 * `models profile` (the samples only counted: `--json` has them).
 */

type ColumnDto = VersionProfileDto['features']['columns'][number];
type NumericalDto = Extract<ColumnDto, { type: 'numerical' }>;
type CategoricalDto = Extract<ColumnDto, { type: 'categorical' }>;

/** Categories listed inline before `+N more`. */
const INLINE_CATEGORIES = 5;
/** Categories listed per column by `models profile` before `+N more (see --json)`. */
const LISTED_CATEGORIES = 20;

/** A number in at most 6 significant digits, without a trailing `.0`. */
export function num(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(6)));
}

function percent(rate: number): string {
  return `${num(rate * 100)}%`;
}

function list(values: readonly string[], max: number): string {
  const shown = values.slice(0, max).map((v) => JSON.stringify(v));
  return values.length > max ? `${shown.join(', ')}, +${values.length - max} more` : shown.join(', ');
}

function encodingText(e: FeatureSignatureDto['features'][number]['encoding']): string {
  if (e.kind === 'value') return 'value';
  return `${e.kind} (${e.categories.length}: ${list(e.categories, INLINE_CATEGORIES)})`;
}

/** The features table: name, type, encoding (with its categories), nullable. */
export function formatFeatures(f: FeatureSignatureDto): string {
  const width = f.features.reduce((w, x) => w + (x.encoding.kind === 'onehot' ? x.encoding.categories.length : 1), 0);
  return (
    `features (input ${f.input}, ${width} column${width === 1 ? '' : 's'}):\n` +
    formatTable(f.features, [
      { header: 'feature', value: (x) => x.name },
      { header: 'type', value: (x) => x.type },
      { header: 'encoding', value: (x) => encodingText(x.encoding) },
      { header: 'nullable', value: (x) => (x.nullable ? 'yes' : 'no') },
    ])
  );
}

function topCategories(c: CategoricalDto, max: number): string {
  const shown = c.categories.slice(0, max).map((k) => `${JSON.stringify(k.value)} ${k.count}`);
  const more = c.categories.length - shown.length;
  if (more > 0) shown.push(`+${more} more`);
  if (c.other_count > 0) shown.push(`(other) ${c.other_count}`);
  return shown.length === 0 ? '-' : shown.join(', ');
}

function rangeOrTop(c: ColumnDto): string {
  return c.type === 'numerical' ? (c.count === 0 ? '-' : `${num(c.min)} .. ${num(c.max)}`) : topCategories(c, 3);
}

/** The profile in a few lines per column, for `models show`: rows, then type, missing rate, range or top categories. */
export function formatProfileSummary(p: VersionProfileDto): string {
  const head = `profile: ${p.rows} rows${p.source === null ? '' : ` from ${p.source}`}, computed ${p.created_at}\n`;
  const columns = [...p.features.columns, ...(p.target === null ? [] : [p.target]), ...p.outputs.columns];
  const role = (c: ColumnDto): string =>
    p.target !== null && c === p.target ? 'target' : p.outputs.columns.includes(c) ? 'output' : 'feature';
  return (
    head +
    formatTable(columns, [
      { header: 'column', value: (c) => c.name },
      { header: 'role', value: role },
      { header: 'type', value: (c) => c.type },
      { header: 'missing', value: (c) => percent(c.missing_rate), right: true },
      { header: 'range / top categories', value: rangeOrTop },
    ])
  );
}

function numericalBlock(c: NumericalDto): string {
  const quantiles = c.quantiles.map((q) => `p${num(q.q * 100)} ${num(q.value)}`).join('  ');
  const edges = c.histogram.edges;
  const bins = c.histogram.counts.map((n, i) => `[${num(edges[i]!)}, ${num(edges[i + 1]!)}${i === c.histogram.counts.length - 1 ? ']' : ')'} ${n}`);
  return formatFields([
    ['count', `${c.count}, missing ${c.missing} (${percent(c.missing_rate)}), non-finite ${c.non_finite}`],
    ['values', `min ${num(c.min)}  mean ${num(c.mean)}  std ${num(c.std)}  max ${num(c.max)}`],
    ['distinct', `${c.unique_count}${c.integer ? ', all whole numbers' : ''}`],
    ['quantiles', orDash(quantiles)],
    ['histogram', bins.length === 0 ? '-' : bins.join(' | ')],
    ['sample', `${c.sample.length} values kept (--json lists them)`],
  ]);
}

function categoricalBlock(c: CategoricalDto): string {
  return formatFields([
    ['count', `${c.count}, missing ${c.missing} (${percent(c.missing_rate)})`],
    ['distinct', String(c.unique_count)],
    ['categories', topCategories(c, LISTED_CATEGORIES)],
  ]);
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? line : `  ${line}`))
    .join('\n');
}

function columnBlock(c: ColumnDto): string {
  return `${c.name} (${c.type})\n${indent(c.type === 'numerical' ? numericalBlock(c) : categoricalBlock(c))}`;
}

/** Every statistic of a profile, column by column, for `models profile`. */
export function formatProfile(name: string, version: number, p: VersionProfileDto): string {
  const parts = [
    formatFields([
      ['model', name],
      ['version', String(version)],
      ['source', orDash(p.source)],
      ['computed', p.created_at],
      ['rows', String(p.rows)],
    ]),
    `features (${p.features.columns.length}):\n${p.features.columns.map((c) => indent(columnBlock(c))).join('')}`,
  ];
  if (p.target !== null) parts.push(`target:\n${indent(columnBlock(p.target))}`);
  parts.push(`outputs (${p.outputs.columns.length}):\n${p.outputs.columns.map((c) => indent(columnBlock(c))).join('')}`);
  return parts.join('\n');
}
