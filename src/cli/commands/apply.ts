import { Command } from 'commander';
import { MooringError, fail } from '../../core/errors.js';
import type { AdminApi } from '../../protocol/admin/admin-api.js';
import { decodeApplyDocuments } from '../../protocol/admin/apply-document.js';
import type { DeploymentDocument } from '../../protocol/admin/apply-document.js';
import type { DeploymentChangeDto, DeploymentDto } from '../../protocol/admin/deployment-dto.js';
import { toSnakeKeys } from '../../protocol/admin/wire-case.js';
import { formatPolicyChanges, policyChanges } from '../format-deployment.js';
import type { PolicyFieldChange } from '../format-deployment.js';
import { withAdmin } from '../invoke.js';
import { out, outJson } from '../output.js';
import { readYamlDocuments } from '../policy-files.js';

interface ApplyOptions {
  dryRun?: boolean;
  reason?: string;
  json?: boolean;
}

/** One line of a dry run's plan. */
interface PlanItem {
  model: string;
  /** The revision in force now (0: never set). */
  revision: number;
  changed: boolean;
  fields: PolicyFieldChange[];
}

/** `where: message`, keeping the code and details of a MooringError (so the exit code stays the category's). */
function at(where: string, e: unknown): unknown {
  return e instanceof MooringError ? fail(e.code, `${where}: ${e.message}`, { ...e.details }) : e;
}

/** The policy in force for every document's model, read before anything is written (an unknown model refuses the file). */
async function current(admin: AdminApi, docs: readonly DeploymentDocument[]): Promise<DeploymentDto[]> {
  const answers: DeploymentDto[] = [];
  for (const d of docs) {
    try {
      answers.push(await admin.getDeployment(d.model));
    } catch (e) {
      throw at(`document ${d.index} (model ${d.model})`, e);
    }
  }
  return answers;
}

/** Writes each document with `replace`, in file order; a failure names the document and what was already applied. */
async function applyAll(
  admin: AdminApi,
  docs: readonly DeploymentDocument[],
  reason: string | undefined,
  progress: (c: DeploymentChangeDto) => void,
): Promise<DeploymentChangeDto[]> {
  const applied: DeploymentChangeDto[] = [];
  for (const d of docs) {
    try {
      const change = await admin.setDeployment(d.model, d.patch, d.reason ?? reason, { replace: true });
      applied.push(change);
      progress(change);
    } catch (e) {
      const before = applied.length === 0 ? '' : ` (applied before it: ${applied.map((c) => `${c.name} revision ${c.revision}`).join(', ')})`;
      throw at(`document ${d.index} (model ${d.model})${before}`, e);
    }
  }
  return applied;
}

function appliedLine(c: DeploymentChangeDto): string {
  return c.changed ? `${c.name}: revision ${c.revision} (changed)\n` : `${c.name}: unchanged at revision ${c.revision}\n`;
}

function planLine(p: PlanItem): string {
  return p.changed ? `${p.model}: would change ${formatPolicyChanges(p.fields)}\n` : `${p.model}: unchanged at revision ${p.revision}\n`;
}

/**
 * `mooring apply FILE`: makes each model's deployment policy what a YAML file declares. Every document is checked
 * (and every model looked up) before the first write; then each policy is written with `replace`, so a field the file
 * leaves out takes its default, and a document that matches the policy in force writes nothing. Not one transaction
 * across models: a write refused by the server (a concurrent change it cannot resolve) stops the run there and names
 * what was applied before it.
 */
export function applyCommand(): Command {
  return new Command('apply')
    .description('make deployment policies what a YAML file declares (kind: Deployment documents; what a policy leaves out takes its default)')
    .argument('<file>', 'YAML file of one or more documents separated by ---, or - for stdin')
    .option('--dry-run', 'check the file and print what would change, writing nothing')
    .option('--reason <text>', "why, recorded on every revision written (a document's own reason wins)")
    .option('--json', 'print {"applied": [DeploymentDto with "changed"...]} (dry run: {"plan": [{model, revision, changed, fields}]})')
    .action(async (file: string, opts: ApplyOptions, cmd: Command) => {
      const docs = decodeApplyDocuments(readYamlDocuments(file, 'apply'));
      await withAdmin(cmd, async (admin) => {
        const before = await current(admin, docs);
        if (opts.dryRun) {
          const plan = docs.map((d, i): PlanItem => {
            // The server keeps routing and rollout as they are (their commands own them), so the plan does too.
            const current = before[i]!.policy;
            const fields = policyChanges(current, { ...toSnakeKeys(d.policy), routing: current.routing, rollout: current.rollout });
            return { model: d.model, revision: before[i]!.revision, changed: fields.length > 0, fields };
          });
          if (opts.json) outJson({ plan });
          else out(plan.map(planLine).join(''));
          return;
        }
        const applied = await applyAll(admin, docs, opts.reason, (c) => {
          if (!opts.json) out(appliedLine(c));
        });
        if (opts.json) outJson({ applied });
      });
    });
}
