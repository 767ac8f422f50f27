import { basename } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { fail } from '../core/errors.js';
import type { FeatureSignature } from '../core/features/feature-spec.js';
import type { VersionProfile } from '../core/profile/types.js';
import { readUserFile } from './arguments.js';

/**
 * The `--reference-data`, `--features`, `--categorical`, `--feature-spec` and `--target` options of
 * `models register`: turned into the version's named features and training profile on the CLI's side, where the
 * data file is (only the profile travels to a server, never the data). DuckDB and onnxruntime are loaded on demand,
 * so a register without reference data never pays for them.
 */

/** The options as commander hands them over. */
export interface ReferenceCliOptions {
  referenceData?: string;
  target?: string;
  features?: string;
  categorical?: string;
  featureSpec?: string;
}

/** Features and profile for the new version (each undefined when the options ask for none). */
export async function featuresAndProfile(
  artifact: Uint8Array,
  opts: ReferenceCliOptions,
): Promise<{ features?: FeatureSignature; profile?: VersionProfile }> {
  const { buildReferenceProfile, numericalFeatures, parseFeatureList } = await import('../services/reference-profile.js');
  const requests = opts.features === undefined ? null : parseFeatureList(opts.features);
  if (opts.target !== undefined && opts.referenceData === undefined) throw fail('INVALID_REQUEST', '--target needs --reference-data');
  if (opts.categorical !== undefined && opts.referenceData === undefined) throw fail('INVALID_REQUEST', '--categorical needs --reference-data');
  if (opts.featureSpec !== undefined && requests !== null) throw fail('INVALID_REQUEST', 'give either --features or --feature-spec, not both');
  if (opts.referenceData === undefined && requests === null && opts.featureSpec === undefined) return {};
  const { OnnxModelRuntime } = await import('../runtime/onnx/onnx-model-runtime.js');
  const runtime = new OnnxModelRuntime();
  const { signature } = await runtime.inspect(artifact);
  const spec = opts.featureSpec === undefined ? null : readFeatureSpec(opts.featureSpec, signature.inputs[0]?.name ?? '');
  if (opts.referenceData === undefined) return { features: spec ?? numericalFeatures(signature, requests!) };
  const { readTable } = await import('../storage/duckdb/table-files.js');
  const table = await readTable(opts.referenceData);
  return buildReferenceProfile(runtime, artifact, table, {
    target: opts.target ?? null,
    features: requests,
    categorical: opts.categorical === undefined ? [] : opts.categorical.split(',').map((s) => s.trim()),
    spec,
    source: basename(opts.referenceData),
    now: Date.now(),
  });
}

/** A feature spec file (JSON or YAML): `{ input?, features: [{ name, type, encoding: { kind, categories? } }] }`. */
function readFeatureSpec(path: string, defaultInput: string): FeatureSignature {
  const text = readUserFile(path, '--feature-spec').toString('utf8');
  let doc: unknown;
  try {
    doc = parseYaml(text); // YAML is a superset of JSON
  } catch (e) {
    throw fail('INVALID_REQUEST', `--feature-spec ${path} is neither JSON nor YAML: ${(e as Error).message}`);
  }
  const d = doc as { input?: unknown; features?: unknown } | null;
  if (typeof d !== 'object' || d === null || !Array.isArray(d.features)) {
    throw fail('INVALID_REQUEST', `--feature-spec ${path} must hold an object with a "features" list`);
  }
  // The registry checks every feature against the model's signature; here only the envelope is read.
  return { input: typeof d.input === 'string' ? d.input : defaultInput, features: d.features as FeatureSignature['features'] };
}
