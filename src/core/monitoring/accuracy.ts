/**
 * Live accuracy: metrics of predictions against the ground-truth labels that came back for them. Pure: the
 * accuracy service reads labelled predictions from the log and hands their rows here.
 *
 * The task is chosen from the labels: any boolean or string label makes it classification; all-number labels make
 * it regression, unless the model predicts a class (a BOOL, integer or string output) and every label is a whole
 * number, which is classification (class ids). Rows whose label is not a boolean, finite number or string are not
 * used.
 *
 * Classification. Labels and predicted classes compare as text (`true`, `1`, `cat`); when one side holds only
 * 0/1 and the other only true/false, 1 is read as true and 0 as false. The positive class (for precision, recall,
 * F1 and AUC) is `true` when that class occurs, else `1`, else the second of exactly two classes in sorted order
 * (numerically when both look like numbers), as scikit-learn takes `classes_[1]`; with three or more classes and
 * neither `true` nor `1` there is none, and those four metrics are null. A row whose model gave no class but a
 * score predicts the positive class when the score is above 0.5, and otherwise "not the positive class" (right for
 * any other label).
 * - accuracy = correct / rows; precision = TP / (TP + FP), null when nothing was predicted positive (never NaN);
 *   recall = TP / (TP + FN), null when no label is positive; F1 = 2TP / (2TP + FP + FN) (equal to the harmonic mean
 *   of precision and recall, and 0 rather than undefined when the model predicts no positive for actual
 *   positives), null when the denominator is 0;
 * - AUC is ROC AUC over the rows with a score, as scikit-learn's `roc_auc_score` computes it: tied scores count
 *   one half (the Mann-Whitney U statistic, equal to the trapezoidal area under the ROC curve); null unless both
 *   classes occur.
 * Regression: MAE and RMSE over rows with a numeric label and a predicted value.
 */
import type { TensorSpec } from '../inference/tensor.js';
import type { LoggedPrediction } from './prediction-record.js';
import type { AccuracyMetric } from './signals.js';
import type { PredictionValues } from './prediction-values.js';
import { classText, predictionValues } from './prediction-values.js';

/** Which kind of metrics apply. */
export type AccuracyTask = 'classification' | 'regression';

/** One scored row: what the model predicted and the label that came back for it. */
export interface LabelledRow {
  readonly predicted: PredictionValues;
  readonly label: unknown;
}

/** The metrics of a task (classification: accuracy, precision, recall, f1, auc; regression: mae, rmse). */
export type AccuracyMetrics = Partial<Record<AccuracyMetric, number | null>>;

/** How a set of rows is evaluated: chosen once over all of a version's rows, then applied to each time window. */
export interface EvaluationPlan {
  readonly task: AccuracyTask | null;
  readonly positiveClass: string | null;
  /** Labels are 0/1 and predicted classes true/false: read labels 1 as `true`, 0 as `false`. */
  readonly labelsAsBooleans: boolean;
  /** Predicted classes are 0/1 and labels true/false: read predictions 1 as `true`, 0 as `false`. */
  readonly predictionsAsBooleans: boolean;
}

/** What `evaluate` answers. */
export interface AccuracyResult {
  readonly task: AccuracyTask | null;
  readonly positiveClass: string | null;
  /** Rows the metrics were computed over (rows with a usable label and prediction). */
  readonly rows: number;
  readonly metrics: AccuracyMetrics;
}

/** The metrics of each task, in the order reports list them. */
export const TASK_METRICS: Readonly<Record<AccuracyTask, readonly AccuracyMetric[]>> = {
  classification: ['accuracy', 'precision', 'recall', 'f1', 'auc'],
  regression: ['mae', 'rmse'],
};

/** The score above which a row without a predicted class predicts the positive class. */
export const SCORE_THRESHOLD = 0.5;

/**
 * A request's label as one label per row: for a one-row request the label itself (or the single element of a
 * one-element array); for a multi-row request an array with exactly one label per row. Null when it does not fit.
 */
export function labelsPerRow(label: unknown, rows: number): unknown[] | null {
  if (rows === 1) {
    if (!Array.isArray(label)) return [label];
    return label.length === 1 ? [label[0]] : null;
  }
  if (Array.isArray(label) && label.length === rows && rows > 0) return label;
  return null;
}

/**
 * One row per scored instance of a labelled prediction (its label split by `labelsPerRow`, its answer read by
 * `predictionValues` with the version's output signature), or null when the label or the answer cannot be paired.
 * The accuracy service and the A/B test read the log the same way through this.
 */
export function labelledRows(p: Pick<LoggedPrediction, 'label' | 'rows' | 'outputs'>, outputs: readonly TensorSpec[] | null): LabelledRow[] | null {
  const labels = labelsPerRow(p.label, p.rows);
  if (labels === null) return null;
  const rows: LabelledRow[] = [];
  for (let i = 0; i < labels.length; i++) {
    const predicted = predictionValues(p.outputs, i, outputs);
    if (predicted === null) return null;
    rows.push({ predicted, label: labels[i] });
  }
  return rows;
}

/** Chooses the task, positive class and 0/1 reading for a version's rows (see the module comment). */
export function planEvaluation(rows: readonly LabelledRow[]): EvaluationPlan {
  let categorical = false;
  let numbers = 0;
  let wholeNumbers = true;
  let predictsClass = false;
  for (const r of rows) {
    const l = r.label;
    if (typeof l === 'boolean' || typeof l === 'string') categorical = true;
    else if (typeof l === 'number' && Number.isFinite(l)) {
      numbers++;
      if (!Number.isInteger(l)) wholeNumbers = false;
    }
    if (r.predicted.predictedClass !== null) predictsClass = true;
  }
  const none: EvaluationPlan = { task: null, positiveClass: null, labelsAsBooleans: false, predictionsAsBooleans: false };
  if (!categorical && numbers === 0) return none;
  if (!categorical && !(predictsClass && wholeNumbers)) return { ...none, task: 'regression' };

  const labelKeys = new Set<string>();
  const predictedKeys = new Set<string>();
  for (const r of rows) {
    const k = classText(r.label);
    if (k !== null) labelKeys.add(k);
    if (r.predicted.predictedClass !== null) predictedKeys.add(r.predicted.predictedClass);
  }
  const labelsAsBooleans = predictedKeys.size > 0 && subsetOf(labelKeys, ZERO_ONE) && subsetOf(predictedKeys, BOOLEANS);
  const predictionsAsBooleans = !labelsAsBooleans && labelKeys.size > 0 && subsetOf(predictedKeys, ZERO_ONE) && subsetOf(labelKeys, BOOLEANS);
  const classes = new Set<string>();
  for (const k of labelKeys) classes.add(labelsAsBooleans ? asBoolean(k) : k);
  for (const k of predictedKeys) classes.add(predictionsAsBooleans ? asBoolean(k) : k);
  return { task: 'classification', positiveClass: positiveClassOf(classes), labelsAsBooleans, predictionsAsBooleans };
}

/** The positive class among `classes`: `true`, else `1`, else the second of exactly two (sorted); else null. */
export function positiveClassOf(classes: Iterable<string>): string | null {
  const all = [...new Set(classes)];
  if (all.includes('true')) return 'true';
  if (all.includes('1')) return '1';
  if (all.length !== 2) return null;
  return all.sort(compareClasses)[1]!;
}

/** Sorted order of classes: numerically when both are numbers, else by UTF-16 code units. */
export function compareClasses(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  if (a.trim() !== '' && b.trim() !== '' && Number.isFinite(x) && Number.isFinite(y) && x !== y) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Plans (unless a plan is given) and computes the metrics of `rows`. */
export function evaluate(rows: readonly LabelledRow[], plan: EvaluationPlan = planEvaluation(rows)): AccuracyResult {
  if (plan.task === 'regression') {
    const pairs = regressionPairs(rows);
    return { task: 'regression', positiveClass: null, rows: pairs.labels.length, metrics: regressionMetrics(pairs.labels, pairs.predicted) };
  }
  if (plan.task === 'classification') {
    const { metrics, rows: used } = classificationOf(rows, plan);
    return { task: 'classification', positiveClass: plan.positiveClass, rows: used, metrics };
  }
  return { task: null, positiveClass: null, rows: 0, metrics: {} };
}

/** The rows a regression can score (a finite number label and a predicted value), as labels and predictions. */
export function regressionPairs(rows: readonly LabelledRow[]): { labels: number[]; predicted: number[] } {
  const labels: number[] = [];
  const predicted: number[] = [];
  for (const r of rows) {
    const y = r.label;
    const v = r.predicted.value;
    if (typeof y === 'number' && Number.isFinite(y) && v !== null) {
      labels.push(y);
      predicted.push(v);
    }
  }
  return { labels, predicted };
}

/**
 * MAE and RMSE of `predicted` against `labels` (same length, finite); both null when there are no rows. Summed as
 * numpy does (`mean(abs(e))`, `sqrt(mean(e * e))`); when that overflows (errors near 1e154 and beyond), the errors
 * are scaled by the largest one first, and a metric a double cannot hold at all is null.
 */
export function regressionMetrics(labels: readonly number[], predicted: readonly number[]): { mae: number | null; rmse: number | null } {
  const n = Math.min(labels.length, predicted.length);
  if (n === 0) return { mae: null, rmse: null };
  let abs = 0;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const e = predicted[i]! - labels[i]!;
    abs += Math.abs(e);
    sq += e * e;
  }
  const mae = abs / n;
  const rmse = Math.sqrt(sq / n);
  if (Number.isFinite(mae) && Number.isFinite(rmse)) return { mae, rmse };
  // Halved so the difference of two finite numbers stays finite, then scaled by the largest error.
  const half = Array.from({ length: n }, (_, i) => predicted[i]! / 2 - labels[i]! / 2);
  const m = Math.max(...half.map(Math.abs));
  let scaledAbs = 0;
  let scaledSq = 0;
  for (const e of half) {
    scaledAbs += Math.abs(e) / m;
    scaledSq += (e / m) ** 2;
  }
  const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);
  return { mae: finite(((2 * m) * scaledAbs) / n), rmse: finite(2 * m * Math.sqrt(scaledSq / n)) };
}

/** The rows a classification plan scores: label and predicted class per row, and the scores AUC is computed over. */
export interface ClassifiedRows {
  /** The label of each scored row, as text (after the plan's 0/1 reading). */
  readonly actual: string[];
  /** The predicted class of each scored row (a score above SCORE_THRESHOLD reads as the positive class). */
  readonly predicted: string[];
  /** The score of each row that has one (when there is a positive class), and whether its label is positive. */
  readonly scores: number[];
  readonly scoredPositive: boolean[];
}

function classificationOf(rows: readonly LabelledRow[], plan: EvaluationPlan): { metrics: AccuracyMetrics; rows: number } {
  const { actual, predicted, scores, scoredPositive } = classifiedRows(rows, plan);
  const m = classificationMetrics(actual, predicted, plan.positiveClass);
  return { metrics: { ...m, auc: plan.positiveClass === null ? null : rocAuc(scores, scoredPositive) }, rows: actual.length };
}

/**
 * Reads each row as the classification plan says (see the module comment): the label and the predicted class as
 * text, a score without a class as the positive class or not. Rows without a usable label or prediction are left
 * out. Shared by the metrics here and the A/B test's per-row outcomes, so both judge a row the same way.
 */
export function classifiedRows(rows: readonly LabelledRow[], plan: EvaluationPlan): ClassifiedRows {
  const positive = plan.positiveClass;
  const actual: string[] = [];
  const predicted: string[] = [];
  const scores: number[] = [];
  const scoredPositive: boolean[] = [];
  for (const r of rows) {
    let label = classText(r.label);
    if (label === null) continue;
    if (plan.labelsAsBooleans) label = asBoolean(label);
    const { score } = r.predicted;
    if (score !== null && positive !== null) {
      scores.push(score);
      scoredPositive.push(label === positive);
    }
    let guess = r.predicted.predictedClass;
    if (guess !== null && plan.predictionsAsBooleans) guess = asBoolean(guess);
    // No class output: the score says "positive" or "not positive", and "not positive" is right for any other label.
    if (guess === null && score !== null && positive !== null) {
      guess = score > SCORE_THRESHOLD ? positive : label !== positive ? label : NOT_POSITIVE;
    }
    if (guess === null) continue;
    actual.push(label);
    predicted.push(guess);
  }
  return { actual, predicted, scores, scoredPositive };
}

/** Stands for "some class other than the positive one" when only a score told the prediction (never a label). */
const NOT_POSITIVE = '\u0000not-positive';

/**
 * Accuracy, and precision, recall and F1 for class `positive` (null when there is none), of `predicted` against
 * `actual` (same length, classes as text). See the module comment for when each is null.
 */
export function classificationMetrics(
  actual: readonly string[],
  predicted: readonly string[],
  positive: string | null,
): { accuracy: number | null; precision: number | null; recall: number | null; f1: number | null } {
  const n = Math.min(actual.length, predicted.length);
  let correct = 0;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < n; i++) {
    const a = actual[i]!;
    const p = predicted[i]!;
    if (a === p) correct++;
    if (positive === null) continue;
    if (p === positive) {
      if (a === positive) tp++;
      else fp++;
    } else if (a === positive) fn++;
  }
  const accuracy = n === 0 ? null : correct / n;
  if (positive === null || n === 0) return { accuracy, precision: null, recall: null, f1: null };
  return {
    accuracy,
    precision: tp + fp === 0 ? null : tp / (tp + fp),
    recall: tp + fn === 0 ? null : tp / (tp + fn),
    f1: 2 * tp + fp + fn === 0 ? null : (2 * tp) / (2 * tp + fp + fn),
  };
}

/**
 * ROC AUC of `scores` for the rows where `positive[i]` is true, as scikit-learn's `roc_auc_score`: the probability
 * that a random positive scores above a random negative, ties counting one half (average ranks; Mann-Whitney U over
 * n⁺·n⁻). Rows with a non-finite score are left out. Null unless both classes occur.
 */
export function rocAuc(scores: ArrayLike<number>, positive: ArrayLike<boolean>): number | null {
  const idx: number[] = [];
  const n = Math.min(scores.length, positive.length);
  for (let i = 0; i < n; i++) if (Number.isFinite(scores[i]!)) idx.push(i);
  let nPos = 0;
  for (const i of idx) if (positive[i]) nPos++;
  const nNeg = idx.length - nPos;
  if (nPos === 0 || nNeg === 0) return null;
  idx.sort((a, b) => scores[a]! - scores[b]!);
  // Sum of the (1-based, tie-averaged) ranks of the positives. Ranks are whole or half numbers, so the sum is exact.
  let rankSum = 0;
  for (let start = 0; start < idx.length; ) {
    let end = start + 1;
    while (end < idx.length && scores[idx[end]!] === scores[idx[start]!]) end++;
    const averageRank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) if (positive[idx[k]!]) rankSum += averageRank;
    start = end;
  }
  const u = rankSum - (nPos * (nPos + 1)) / 2;
  return u / (nPos * nNeg);
}

const ZERO_ONE: ReadonlySet<string> = new Set(['0', '1']);
const BOOLEANS: ReadonlySet<string> = new Set(['true', 'false']);

function subsetOf(set: ReadonlySet<string>, of: ReadonlySet<string>): boolean {
  if (set.size === 0) return false;
  for (const v of set) if (!of.has(v)) return false;
  return true;
}

function asBoolean(k: string): string {
  return k === '1' ? 'true' : k === '0' ? 'false' : k;
}
