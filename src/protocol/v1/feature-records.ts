import type { Signature, Tensor } from '../../core/inference/tensor.js';
import { ProblemReport } from '../../core/validation/problems.js';
import type { VersionValidator } from '../../core/validation/validator.js';
import type { DecodeLimits } from '../json-tensor.js';
import { decodeInstances, recordsInstances } from './records.js';

/**
 * Records for a version, named features included. When the version names its features and the instances are
 * objects keyed by feature name (`{"age": 41, "plan": "pro"}`), they are packed into the model's input by the
 * version's compiled packer, collecting every problem instead of stopping at the first; otherwise the instances
 * are rows (or objects keyed by input name) and go through the tensor codec, to be checked as packed tensors.
 */

/** Decoded records: the input tensors and, when the server packed them, the problems found while packing. */
export interface DecodedRecords {
  readonly inputs: Tensor[];
  readonly report: ProblemReport | null;
  /** Whether the server packed the feature input itself (its values are then already checked). */
  readonly packed: boolean;
}

/**
 * Decodes a records body for one version; refuses too many rows (LIMIT_EXCEEDED) before any decoding.
 * @throws MooringError INVALID_REQUEST and the codes of `decodeRecordsRequest` for rows; LIMIT_EXCEEDED.
 */
export function decodeRecordsFor(body: unknown, signature: Signature, validator: VersionValidator, limits: DecodeLimits): DecodedRecords {
  const instances = recordsInstances(body);
  validator.checkRows(instances.length);
  const packer = validator.packer;
  if (packer !== null && isFeatureRecord(instances[0], packer.signature.input, packer.signature.features)) {
    const report = new ProblemReport();
    const data = packer.packRecords(instances, report);
    const input: Tensor = { name: packer.signature.input, datatype: packer.datatype, shape: [instances.length, packer.width], data };
    return { inputs: [input], report: report.total > 0 ? report : null, packed: true };
  }
  return { inputs: decodeInstances(instances, signature, limits), report: null, packed: false };
}

/** An object that is not just `{ <input name>: row }` (unless the input's name is also a feature's). */
function isFeatureRecord(v: unknown, input: string, features: readonly { name: string }[]): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  if (keys.length === 1 && keys[0] === input) return features.some((f) => f.name === input);
  return true;
}
