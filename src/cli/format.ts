import type { AliasEventDto, AuditRecordDto, ModelDetailDto, ModelDto, ModelVersionDto } from '../protocol/admin/dto.js';
import { formatFields, formatPairs, formatTable, orDash } from './table.js';

/**
 * Human renderings of the admin DTOs: compact tables and `key: value` blocks, times as the DTOs carry them
 * (ISO-8601 UTC). The `--json` output never passes through here.
 */

/** `models list`: one row per model. */
export function formatModelList(models: readonly ModelDto[]): string {
  if (models.length === 0) return 'no models registered\n';
  return formatTable(models, [
    { header: 'name', value: (m) => m.name },
    { header: 'latest', value: (m) => String(m.latest_version), right: true },
    { header: 'aliases', value: (m) => formatPairs(m.aliases) },
    { header: 'updated', value: (m) => m.updated_at },
    { header: 'description', value: (m) => orDash(m.description) },
  ]);
}

/** `models show NAME`: the model, its versions, and the signature of the version serving (or the latest). */
export function formatModelDetail(model: ModelDetailDto): string {
  const parts = [
    formatFields([
      ['name', model.name],
      ['description', orDash(model.description)],
      ['tags', formatPairs(model.tags)],
      ['aliases', formatPairs(model.aliases)],
      ['latest version', String(model.latest_version)],
      ['created', model.created_at],
      ['updated', model.updated_at],
    ]),
  ];
  if (model.versions.length === 0) return parts[0]! + '\nno versions\n';
  parts.push(
    formatTable(model.versions, [
      { header: 'version', value: (v) => String(v.version), right: true },
      { header: 'aliases', value: (v) => (v.aliases.length === 0 ? '-' : v.aliases.join(',')) },
      { header: 'created', value: (v) => v.created_at },
      { header: 'created by', value: (v) => v.created_by },
      { header: 'metrics', value: (v) => formatPairs(v.metrics) },
      { header: 'sha256', value: (v) => v.artifact.sha256.slice(0, 12) },
    ]),
  );
  const shown = shownVersion(model)!;
  parts.push(`signature (version ${shown.version}):\n` + formatSignature(shown));
  return parts.join('\n');
}

/** The version `models show NAME` details: the one in production, else the latest (undefined when none). */
export function shownVersion(model: ModelDetailDto): ModelVersionDto | undefined {
  if (model.versions.length === 0) return undefined;
  const production = model.aliases.production;
  return model.versions.find((v) => v.version === production) ?? model.versions.reduce((a, b) => (b.version > a.version ? b : a));
}

/** `models show NAME@ALIAS` / `NAME/VERSION`, and what `models register` answers. */
export function formatVersion(v: ModelVersionDto): string {
  const head = formatFields([
    ['model', v.name],
    ['version', String(v.version)],
    ['aliases', v.aliases.length === 0 ? '-' : v.aliases.join(', ')],
    ['artifact', `sha256:${v.artifact.sha256} (${v.artifact.size_bytes} bytes, ${v.artifact.format})`],
    ['metrics', formatPairs(v.metrics)],
    ['params', formatPairs(v.params)],
    ['tags', formatPairs(v.tags)],
    ['dataset version', orDash(v.dataset_version)],
    ['trained at', orDash(v.trained_at)],
    ['description', orDash(v.description)],
    ['source', orDash(v.source)],
    ['created', `${v.created_at} by ${v.created_by}`],
  ]);
  return head + '\nsignature:\n' + formatSignature(v);
}

/** A version's inputs and outputs as one table; `-1` is shown as `?` (a variable dimension). */
export function formatSignature(v: ModelVersionDto): string {
  const rows = [
    ...v.signature.inputs.map((t) => ({ kind: 'input', ...t })),
    ...v.signature.outputs.map((t) => ({ kind: 'output', ...t })),
  ];
  return formatTable(rows, [
    { header: 'kind', value: (r) => r.kind },
    { header: 'name', value: (r) => r.name },
    { header: 'datatype', value: (r) => r.datatype },
    { header: 'shape', value: (r) => `[${r.shape.map((d) => (d < 0 ? '?' : String(d))).join(', ')}]` },
  ]);
}

/** One alias move as a sentence: `iris: production 1 -> 2 (reason)`. */
export function formatAliasEvent(e: AliasEventDto): string {
  const from = e.from_version === null ? '(none)' : String(e.from_version);
  const to = e.to_version === null ? '(deleted)' : String(e.to_version);
  return `${e.name}: ${e.alias} ${from} -> ${to} at ${e.at} by ${e.actor}${e.reason === null ? '' : ` (${e.reason})`}\n`;
}

/** `history`: alias moves, oldest first. */
export function formatHistory(events: readonly AliasEventDto[]): string {
  if (events.length === 0) return 'no alias moves\n';
  return formatTable(events, [
    { header: 'id', value: (e) => String(e.id), right: true },
    { header: 'at', value: (e) => e.at },
    { header: 'alias', value: (e) => e.alias },
    { header: 'from', value: (e) => orDash(e.from_version), right: true },
    { header: 'to', value: (e) => orDash(e.to_version), right: true },
    { header: 'actor', value: (e) => e.actor },
    { header: 'reason', value: (e) => orDash(e.reason) },
  ]);
}

/** `audit`: records, newest first, details as compact JSON. */
export function formatAudit(records: readonly AuditRecordDto[]): string {
  if (records.length === 0) return 'no audit records\n';
  return formatTable(records, [
    { header: 'id', value: (r) => String(r.id), right: true },
    { header: 'at', value: (r) => r.at },
    { header: 'actor', value: (r) => r.actor },
    { header: 'action', value: (r) => r.action },
    { header: 'target', value: (r) => r.target },
    { header: 'details', value: (r) => (Object.keys(r.details).length === 0 ? '-' : JSON.stringify(r.details)) },
  ]);
}
