import type { ValidationPolicy } from '../deployment/policy.js';
import { fail } from '../errors.js';
import { compileFeaturePacker } from '../features/packer.js';
import type { FeaturePacker } from '../features/packer.js';
import type { FeatureSignature } from '../features/feature-spec.js';
import type { Signature, Tensor } from '../inference/tensor.js';
import type { VersionProfile } from '../profile/types.js';
import { ProblemReport } from './problems.js';
import type { Problem } from './problems.js';

/**
 * The input guard of one model version under one deployment policy: request limits, the named-feature schema and
 * the training profile's ranges and categories, compiled once when the version is loaded or the policy changes.
 * The request path asks it three things: may this many rows come in, what is wrong with these tensors, and
 * (applying the policy) refuse or serve with warnings.
 */

/** What a validator is compiled from. */
export interface ValidatorSpec {
  readonly signature: Signature;
  readonly features: FeatureSignature | null;
  readonly profile: VersionProfile | null;
  readonly policy: ValidationPolicy;
  /** Longest accepted string value (the server's `limits.maxStringLength`). */
  readonly maxStringLength: number;
}

/** A compiled validator. */
export interface VersionValidator {
  readonly policy: ValidationPolicy;
  /** The packer of the version's named features, or null when it has none. */
  readonly packer: FeaturePacker | null;
  /**
   * Refuses (LIMIT_EXCEEDED) a request of more rows than the policy allows; called before decoding or packing so
   * an oversized request costs nothing.
   */
  checkRows(rows: number): void;
  /**
   * Checks signature-ordered input tensors: element and byte limits (LIMIT_EXCEEDED), and, when the feature input
   * arrived packed from the client (`packedByServer` false), its values against the features and profile.
   * Returns the report (the one given, or a new one when a problem is found; null when clean).
   */
  checkTensors(inputs: readonly Tensor[], report: ProblemReport | null, packedByServer: boolean): ProblemReport | null;
  /**
   * Applies the policy to a request's problems: throws VALIDATION_FAILED (422, listing `{row, field, problem}`)
   * when they must be refused, else returns the anomalies to serve with as warnings (null when there are none).
   */
  decide(report: ProblemReport | null): readonly Problem[] | null;
}

/** Compiles the validator of one version under one policy. */
export function compileValidator(spec: ValidatorSpec): VersionValidator {
  const { policy, signature, features } = spec;
  const checkAnomalies = policy.anomalies !== 'off';
  const featureIndex = features ? signature.inputs.findIndex((i) => i.name === features.input) : -1;
  const packer =
    features && featureIndex >= 0
      ? compileFeaturePacker(features, {
          datatype: signature.inputs[featureIndex]!.datatype,
          ranges: checkAnomalies ? trainingRanges(spec.profile, policy.rangeTolerance) : new Map(),
          reportUnseen: checkAnomalies,
          maxStringLength: spec.maxStringLength,
        })
      : null;
  const batched = signature.inputs.map((s) => s.shape.length > 0 && s.shape[0] === -1);
  const maxRows = policy.maxRows;
  const maxElements = policy.maxInputElements;
  const maxBytes = policy.maxInputBytes;

  const checkRows = (rows: number): void => {
    if (rows > maxRows) {
      throw fail('LIMIT_EXCEEDED', `the request has ${rows} rows; this deployment accepts at most ${maxRows} per request`, {
        limit: 'maxRows',
        allowed: maxRows,
        actual: rows,
      });
    }
  };

  return {
    policy,
    packer,
    checkRows,
    checkTensors(inputs, report, packedByServer) {
      for (let i = 0; i < inputs.length; i++) {
        const t = inputs[i]!;
        if (batched[i]) checkRows(t.shape[0]!);
        if (maxElements > 0 && t.data.length > maxElements) {
          throw fail('LIMIT_EXCEEDED', `input ${JSON.stringify(t.name)} has ${t.data.length} elements; at most ${maxElements} are allowed`, {
            limit: 'maxInputElements',
            input: t.name,
            allowed: maxElements,
            actual: t.data.length,
          });
        }
        if (maxBytes > 0) {
          const bytes = byteSize(t);
          if (bytes > maxBytes) {
            throw fail('LIMIT_EXCEEDED', `input ${JSON.stringify(t.name)} takes ${bytes} bytes; at most ${maxBytes} are allowed`, {
              limit: 'maxInputBytes',
              input: t.name,
              allowed: maxBytes,
              actual: bytes,
            });
          }
        }
      }
      if (packer && !packedByServer) {
        const t = inputs[featureIndex]!;
        const rows = t.shape.length === 0 ? 0 : t.shape[0]!;
        if (t.shape.length === 2 && t.shape[1] === packer.width) {
          const r = report ?? new ProblemReport();
          packer.checkPacked(t.data, rows, r);
          if (r.total > 0) return r;
        }
      }
      return report !== null && report.total > 0 ? report : null;
    },
    decide(report) {
      if (report === null || report.total === 0) return null;
      if (report.schema > 0) refuse(report, policy.schema, 'schema');
      if (report.anomalies === 0) return null;
      switch (policy.anomalies) {
        case 'flag':
          return report.only('anomaly');
        case 'off':
          return null;
        default:
          return refuse(report, policy.anomalies, 'anomaly');
      }
    },
  };
}

/** The accepted range of each numerical feature: its training [min, max] widened by `tolerance` x (max - min). */
export function trainingRanges(profile: VersionProfile | null, tolerance: number): Map<string, readonly [number, number]> {
  const ranges = new Map<string, readonly [number, number]>();
  if (!profile) return ranges;
  for (const c of profile.features.columns) {
    if (c.type !== 'numerical' || c.count === 0) continue;
    const slack = tolerance * (c.max - c.min);
    ranges.set(c.name, [c.min - slack, c.max + slack]);
  }
  return ranges;
}

function refuse(report: ProblemReport, action: string, cls: 'schema' | 'anomaly'): never {
  const total = report.total;
  const shown = report.problems;
  const first = report.only(cls)[0] ?? shown[0]!;
  const what = cls === 'schema' ? 'does not fit the model' : 'lies outside the training profile';
  const more = total > 1 ? ` (and ${total - 1} more problem${total > 2 ? 's' : ''})` : '';
  const details: Record<string, unknown> = {
    problems: shown,
    problems_total: total,
    policy: action,
  };
  const where = first.field === '' ? `row ${first.row}` : `row ${first.row}, ${JSON.stringify(first.field)}`;
  throw fail('VALIDATION_FAILED', `input ${what}: ${where}: ${first.problem}: ${first.detail}${more}`, details);
}

function byteSize(t: Tensor): number {
  const d = t.data;
  if (Array.isArray(d)) {
    let n = 0;
    for (const s of d) n += s.length;
    return n;
  }
  return (d as Uint8Array).byteLength;
}
