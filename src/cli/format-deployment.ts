import type { DeploymentChangeDto, DeploymentDto, DeploymentPolicyDto } from '../protocol/admin/deployment-dto.js';
import { formatFields, formatTable, orDash } from './table.js';

/**
 * Human renderings of deployment policies. The policy is walked generically (section, then field), so a field a
 * later issue adds to the policy shows up here without a change; a few fields read better in words (the fallback
 * chain in order, the rules table as a count of cases, the zeros that mean "none").
 */

/** What a zero means for the limits where zero is "no limit of its own". */
const ZERO_MEANS: Readonly<Record<string, string>> = {
  'validation.max_input_elements': "the server's limits.maxElements",
  'validation.max_input_bytes': 'no limit beyond max_input_elements',
  latency_budget_ms: 'no budget',
};

/** Fields shown and compared as one value rather than walked into (a rules table is data, not settings). */
const WHOLE_FIELDS = new Set(['fallback.rules']);

/** The policy as `section.field` -> value, in the policy's own order. */
export function flattenPolicy(policy: object, prefix = ''): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  for (const [key, value] of Object.entries(policy)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && !WHOLE_FIELDS.has(path)) out.push(...flattenPolicy(value, path));
    else out.push([path, value]);
  }
  return out;
}

/** A rules table in a few words: how many cases, and whether rows no case matches get a default answer. */
function rulesSummary(rules: unknown): string {
  if (rules === null || typeof rules !== 'object') return 'none';
  const r = rules as { cases?: unknown; default?: unknown };
  const cases = Array.isArray(r.cases) ? r.cases.length : 0;
  return `${cases} ${cases === 1 ? 'case' : 'cases'}, ${r.default === null || r.default === undefined ? 'no default' : 'a default'}`;
}

/** How `deployment show` writes one field's value. */
function valueText(path: string, value: unknown): string {
  if (path === 'fallback.rules') return rulesSummary(value);
  if (path === 'fallback.chain' && Array.isArray(value)) {
    return value.length === 0 ? 'none (failures are answered as errors)' : value.join(' -> ');
  }
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return value === 0 && ZERO_MEANS[path] ? `0 (${ZERO_MEANS[path]})` : text;
}

/** How a change list writes one field's value: strings as they are, a rules table summarized, the rest as JSON. */
function changeText(path: string, value: unknown): string {
  if (path === 'fallback.rules') return `(${rulesSummary(value)})`;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** One field that differs between two policies. */
export interface PolicyFieldChange {
  /** The field as the wire names it, e.g. `validation.max_rows` (`fallback.rules` as a whole). */
  field: string;
  from: unknown;
  to: unknown;
}

/** The fields of `after` that differ from `before`, in the policy's order. */
export function policyChanges(before: DeploymentPolicyDto, after: DeploymentPolicyDto): PolicyFieldChange[] {
  const old = new Map(flattenPolicy(before));
  return flattenPolicy(after)
    .filter(([k, v]) => JSON.stringify(old.get(k)) !== JSON.stringify(v))
    .map(([field, to]) => ({ field, from: old.get(field), to }));
}

/** Changes as `field=value, field=value`, or `(none)`. */
export function formatPolicyChanges(changes: readonly PolicyFieldChange[]): string {
  return changes.length === 0 ? '(none)' : changes.map((c) => `${c.field}=${changeText(c.field, c.to)}`).join(', ');
}

function origin(d: DeploymentDto): string {
  if (d.revision === 0) return 'revision 0: the defaults, never set';
  return `revision ${d.revision}, set ${d.at} by ${d.actor}${d.reason === null ? '' : ` (${d.reason})`}`;
}

/** `deployment show`: where the policy came from, then every field. */
export function formatDeployment(d: DeploymentDto): string {
  const fields = flattenPolicy(d.policy).map(([path, value]) => [path, valueText(path, value)] as const);
  return `${d.name} deployment policy, ${origin(d)}\n${formatFields(fields)}`;
}

/** `deployment set`: whether a revision was written, then the policy now in force. */
export function formatDeploymentChange(c: DeploymentChangeDto): string {
  const head = c.changed ? `${c.name}: deployment policy revision ${c.revision} set` : `${c.name}: no change (the policy already says that)`;
  return `${head}\n\n${formatDeployment(c)}`;
}

/** `deployment history`: one row per revision with the fields it changed against the one before (or the defaults). */
export function formatDeploymentHistory(revisions: readonly DeploymentDto[], defaults: DeploymentPolicyDto): string {
  if (revisions.length === 0) return 'the deployment policy was never set: the defaults apply (deployment show)\n';
  const rows = revisions.map((r, i) => ({
    r,
    changes: formatPolicyChanges(policyChanges(i === 0 ? defaults : revisions[i - 1]!.policy, r.policy)),
  }));
  return formatTable(rows, [
    { header: 'revision', value: (x) => String(x.r.revision), right: true },
    { header: 'at', value: (x) => x.r.at },
    { header: 'actor', value: (x) => x.r.actor },
    { header: 'reason', value: (x) => orDash(x.r.reason) },
    { header: 'changes', value: (x) => x.changes },
  ]);
}
