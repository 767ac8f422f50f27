/**
 * How an A/B experiment's metric breaks down into per-row outcomes that a significance test can compare. Pure.
 *
 * The rows are labelled rows as the accuracy report reads them (core/monitoring/accuracy.ts), judged by ONE
 * evaluation plan chosen over both arms together, so both arms have the same task and positive class:
 * - accuracy: a success per row whose predicted class equals its label, out of every scored row;
 * - precision: a success per true positive, out of the rows predicted positive;
 * - recall: a success per true positive, out of the rows whose label is positive;
 * - mae: each row's absolute error |prediction - label|, compared by their means;
 * - rmse: each row's SQUARED error, compared by their means: the test is on the mean squared error (RMSE is its
 *   square root, a monotone function, so "B's MSE differs" is "B's RMSE differs"; the difference and its interval
 *   are then of the MSE).
 * F1 has no per-row decomposition (it is a ratio of sums over both kinds of error, not a mean of anything per row), so
 * an experiment cannot test it: test precision and recall, or accuracy. A row is a scored instance, so a request of
 * five rows counts five times (rows of one request are not independent; the tests assume they are).
 */

import type { EvaluationPlan, LabelledRow } from '../monitoring/accuracy.js';
import { classifiedRows, regressionPairs } from '../monitoring/accuracy.js';
import type { RoutingPolicy } from '../deployment/policy.js';
import { twoProportionZTest, welchTTest } from './significance.js';
import type { SignificanceResult } from './significance.js';

/** A metric an experiment may name (the policy's `routing.experiment.metric`). */
export type ExperimentMetric = NonNullable<RoutingPolicy['experiment']>['metric'];

/** The metrics an experiment can test (every experiment metric but f1). */
export const TESTABLE_METRICS = ['accuracy', 'precision', 'recall', 'mae', 'rmse'] as const satisfies readonly ExperimentMetric[];

/** What one arm's rows give a metric's test: successes over trials (a rate), or one value per row (a mean). */
export type ArmOutcomes =
  | { readonly kind: 'rate'; readonly successes: number; readonly trials: number }
  | { readonly kind: 'values'; readonly values: Float64Array };

/** The quantity a test's difference and interval are about: the metric itself, or for rmse the mean squared error. */
export function differenceOf(metric: ExperimentMetric): ExperimentMetric | 'mse' {
  return metric === 'rmse' ? 'mse' : metric;
}

/**
 * One arm's outcomes for `metric` under `plan` (see the module comment), or null when the metric does not apply: a
 * classification metric on a regression (or the reverse), precision or recall without a positive class, f1.
 */
export function armOutcomes(rows: readonly LabelledRow[], plan: EvaluationPlan, metric: ExperimentMetric): ArmOutcomes | null {
  if (metric === 'mae' || metric === 'rmse') {
    if (plan.task !== 'regression') return null;
    const { labels, predicted } = regressionPairs(rows);
    const values = new Float64Array(labels.length);
    for (let i = 0; i < labels.length; i++) {
      const e = predicted[i]! - labels[i]!;
      values[i] = metric === 'mae' ? Math.abs(e) : e * e;
    }
    return { kind: 'values', values };
  }
  if (metric === 'f1' || plan.task !== 'classification') return null;
  const positive = plan.positiveClass;
  if (metric !== 'accuracy' && positive === null) return null;
  const { actual, predicted } = classifiedRows(rows, plan);
  let successes = 0;
  let trials = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const p = predicted[i]!;
    const counted = metric === 'accuracy' || (metric === 'precision' ? p === positive : a === positive);
    if (!counted) continue;
    trials++;
    if (a === p) successes++;
  }
  return { kind: 'rate', successes, trials };
}

/** The rows (trials or values) an arm's outcomes hold. */
export function outcomeCount(o: ArmOutcomes): number {
  return o.kind === 'rate' ? o.trials : o.values.length;
}

/** A test's result, or why there is none. */
export type ArmComparison = { readonly result: SignificanceResult; readonly reason: null } | { readonly result: null; readonly reason: string };

/**
 * Compares arm B's outcomes with arm A's: the two-proportion z test for rates, Welch's t test for values. No result
 * (with the reason) when an arm has no trials, fewer than two values, or values too large to square and sum.
 */
export function compareArms(a: ArmOutcomes, b: ArmOutcomes): ArmComparison {
  if (a.kind === 'rate' && b.kind === 'rate') {
    const empty = a.trials === 0 ? 'A' : b.trials === 0 ? 'B' : null;
    if (empty !== null) return { result: null, reason: `arm ${empty} has no labelled rows the metric counts` };
    return { result: twoProportionZTest(a.successes, a.trials, b.successes, b.trials), reason: null };
  }
  if (a.kind === 'values' && b.kind === 'values') {
    const few = a.values.length < 2 ? 'A' : b.values.length < 2 ? 'B' : null;
    if (few !== null) return { result: null, reason: `arm ${few} needs at least two labelled rows for a t test` };
    const tooLarge = { result: null, reason: 'the errors are too large for double precision' } as const;
    if (!a.values.every(Number.isFinite) || !b.values.every(Number.isFinite)) return tooLarge;
    const result = welchTTest(a.values, b.values);
    const numbers = [result.difference, ...result.ci95, result.pValue];
    return numbers.every(Number.isFinite) ? { result, reason: null } : tooLarge;
  }
  return { result: null, reason: 'the arms were measured differently' };
}
