import { readFileSync } from 'node:fs';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import type { DeploymentPolicyInput } from '../core/deployment/policy.js';
import { fail } from '../core/errors.js';
import { fromSnakeKeys } from '../protocol/admin/wire-case.js';
import { readUserFile } from './arguments.js';

/**
 * The YAML (or JSON: YAML is a superset) files of the deployment commands: the rules table of `deployment set
 * --rules-file` and the documents of `mooring apply`. Only the syntax is read here; what the values mean is checked
 * by the policy schema (locally by `apply`, and again by the deployment service).
 */

/** The rules fallback table as a policy input takes it. */
type RulesInput = NonNullable<NonNullable<DeploymentPolicyInput['fallback']>['rules']>;

/** The text of a file the user named, or of stdin for `-`. */
export function readTextInput(path: string, option: string): string {
  return path === '-' ? readFileSync(0, 'utf8') : readUserFile(path, option).toString('utf8');
}

/**
 * Reads `--rules-file`: a rules table `{cases, default}` in snake_case, as the domain's input; `none` is null (no
 * rules). The table is whole: what the file leaves out is empty (no cases, no default), not the value in force, so a
 * file with only `cases` drops a default set earlier.
 */
export function readRulesFile(path: string): RulesInput | null {
  if (path === 'none') return null;
  const text = readTextInput(path, '--rules-file');
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw fail('INVALID_REQUEST', `--rules-file ${path} is neither JSON nor YAML: ${(e as Error).message}`, { file: path });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw fail('INVALID_REQUEST', `--rules-file ${path} must hold a rules table, an object {cases, default}`, { file: path });
  }
  const rules = fromSnakeKeys(doc, 'fallback.rules') as Record<string, unknown>;
  // The cast names what the policy schema checks in full when the patch is applied.
  return { cases: [], default: null, ...rules } as RulesInput;
}

/**
 * The documents of a YAML stream (`---` between documents), as plain values in file order; an empty document is
 * null. A syntax error is INVALID_REQUEST naming the document (1-based) and the position.
 */
export function readYamlDocuments(path: string, option: string): unknown[] {
  const source = path === '-' ? 'stdin' : path;
  const text = readTextInput(path, option);
  return parseAllDocuments(text).map((doc, i) => {
    const error = doc.errors[0];
    if (error !== undefined) {
      throw fail('INVALID_REQUEST', `${source}: document ${i + 1} is not valid YAML: ${error.message}`, { file: source, document: i + 1 });
    }
    return doc.toJS() as unknown;
  });
}
