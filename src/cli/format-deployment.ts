import type { DeploymentChangeDto, DeploymentDto, DeploymentPolicyDto } from '../protocol/admin/deployment-dto.js';
import { formatFields, formatTable, orDash } from './table.js';

/**
 * Human renderings of deployment policies. The policy is walked generically (section, then field), so a field a
 * later issue adds to the policy shows up here without a change.
 */

/** What a zero means for the limits where zero is "no limit of its own". */
const ZERO_MEANS: Readonly<Record<string, string>> = {
  'validation.max_input_elements': "the server's limits.maxElements",
  'validation.max_input_bytes': 'no limit beyond max_input_elements',
};

/** The policy as `section.field` -> value, in the policy's own order. */
export function flattenPolicy(policy: object, prefix = ''): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  for (const [key, value] of Object.entries(policy)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) out.push(...flattenPolicy(value, path));
    else out.push([path, value]);
  }
  return out;
}

function valueText(path: string, value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return value === 0 && ZERO_MEANS[path] ? `0 (${ZERO_MEANS[path]})` : text;
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
  const rows = revisions.map((r, i) => {
    const before = new Map(flattenPolicy(i === 0 ? defaults : revisions[i - 1]!.policy).map(([k, v]) => [k, JSON.stringify(v)]));
    const changes = flattenPolicy(r.policy)
      .filter(([k, v]) => before.get(k) !== JSON.stringify(v))
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
    return { r, changes: changes.length === 0 ? '(none)' : changes.join(', ') };
  });
  return formatTable(rows, [
    { header: 'revision', value: (x) => String(x.r.revision), right: true },
    { header: 'at', value: (x) => x.r.at },
    { header: 'actor', value: (x) => x.r.actor },
    { header: 'reason', value: (x) => orDash(x.r.reason) },
    { header: 'changes', value: (x) => x.changes },
  ]);
}
