import type { Comparison, SideAnswer } from '../../core/rollout/comparison.js';
import { answerRows } from '../../core/rollout/comparison.js';
import type { TensorSpec } from '../../core/inference/tensor.js';
import type { LoggedPrediction } from '../../storage/prediction-log.js';
import type { RegistryStore } from '../../storage/registry-store.js';

/**
 * What a shadow report and a replay both answer: the comparison of a candidate version with the answers the primary
 * gave to the same requests, and what it was computed over.
 */
export interface ComparisonReport {
  /** Where the candidate's answers come from: mirrored live traffic, or a replay of logged requests. */
  readonly source: 'shadow' | 'replay';
  readonly model: string;
  /** The candidate: the shadow version, or the replayed version. */
  readonly version: number;
  /** The versions that gave the primary answers, ascending (production, and a canary where one answered). */
  readonly primaryVersions: readonly number[];
  /** Inclusive start of the range read (epoch ms); null for a replay of the last N requests. */
  readonly since: number | null;
  /** Exclusive end of the range read (epoch ms). */
  readonly until: number;
  readonly comparison: Comparison;
  /**
   * Requests left out before comparing: shadow runs whose primary record was not found (not flushed yet, deleted by
   * retention, or past the scan bound), or logged requests whose body could not be read back.
   */
  readonly skipped: number;
  /** True when the read stopped at its bound before reaching `since`: the newest requests were compared. */
  readonly truncated: boolean;
}

/** Output signatures of a model's versions, read once per version (records bodies carry no datatypes). */
export class OutputSignatures {
  readonly #cache = new Map<number, Promise<readonly TensorSpec[] | null>>();

  constructor(
    private readonly store: RegistryStore,
    private readonly model: string,
  ) {}

  /** The outputs of `version`, or null when the registry no longer has it (datatypes then come from JSON types). */
  of(version: number): Promise<readonly TensorSpec[] | null> {
    let found = this.#cache.get(version);
    if (found === undefined) {
      found = this.store.getVersion(this.model, version).then((v) => v?.signature.outputs ?? null);
      this.#cache.set(version, found);
    }
    return found;
  }
}

/** One logged answer as a side of a comparison: its rows, or its error code. */
export function loggedSide(p: LoggedPrediction, outputs: readonly TensorSpec[] | null): SideAnswer {
  if (p.status === 'error') return { ok: false, error: p.error ?? 'INTERNAL', latencyMs: p.latencyMs };
  return { ok: true, rows: answerRows(p.outputs, outputs), latencyMs: p.latencyMs };
}
