/**
 * The demo model `npm start` serves: a customer-churn classifier trained in-process on synthetic data, so a fresh
 * checkout has a real, meaningful model to register and query without downloads or Python.
 *
 * Everything is deterministic (seeded data, full-batch gradient descent, fixed `trainedAt`): the same source gives
 * the same model bytes, so the demo's registry digest is stable across machines.
 */
import { mulberry32, normal, type Random } from '../core/random.js';
import { buildOnnxModel } from '../runtime/onnx/onnx-graph-builder.js';
import type { Table } from '../core/profile/table.js';

/** The model's features, in the column order of its `features` input. */
export const DEMO_FEATURE_NAMES = ['tenure_months', 'monthly_charges', 'support_calls', 'contract_months'] as const;

/** One customer as the model sees it. */
export interface DemoFeatures {
  /** Months as a customer, 0-72. */
  readonly tenure_months: number;
  /** Monthly bill in currency units, 18.00-120.00. */
  readonly monthly_charges: number;
  /** Support calls in the last quarter, 0-10. */
  readonly support_calls: number;
  /** Contract length: 1 (month-to-month), 12 or 24. */
  readonly contract_months: number;
}

/** One labelled row of the synthetic data set. */
export interface DemoRow extends DemoFeatures {
  readonly churned: boolean;
}

/** The trained demo model and the facts the registry records about it. */
export interface DemoModel {
  readonly name: 'churn';
  readonly bytes: Uint8Array;
  readonly featureNames: readonly string[];
  /** Measured on 500 held-out rows. */
  readonly metrics: { readonly accuracy: number; readonly auc: number; readonly log_loss: number };
  readonly params: Readonly<Record<string, string>>;
  readonly datasetVersion: 'synthetic-churn-v1';
  /** Fixed, so the artifact and its registry record are reproducible. */
  readonly trainedAt: number;
  readonly description: string;
  readonly source: 'mooring/src/demo/demo-model.ts';
}

/**
 * The true churn log-odds of the synthetic world (before noise): short tenure, high bills, many support calls and
 * month-to-month contracts drive churn. The trained model should rediscover these signs.
 */
export function demoChurnLogit(f: DemoFeatures): number {
  return (
    0.3 - 0.045 * f.tenure_months + 0.025 * (f.monthly_charges - 65) + 0.35 * f.support_calls - 0.07 * f.contract_months
  );
}

/** `rows` synthetic customers from a seeded PRNG: the same (rows, seed) always gives the same rows. */
export function demoDataset(rows: number, seed: number): DemoRow[] {
  const random = mulberry32(seed);
  const out: DemoRow[] = [];
  for (let i = 0; i < rows; i++) {
    const features = drawCustomer(random);
    const logit = demoChurnLogit(features) + 0.5 * normal(random);
    out.push({ ...features, churned: random() < sigmoid(logit) });
  }
  return out;
}

function drawCustomer(random: Random): DemoFeatures {
  const c = random();
  const contract_months = c < 0.55 ? 1 : c < 0.8 ? 12 : 24;
  // longer contracts go with longer tenure; tenure is skewed towards new customers
  const tenureScale = contract_months === 1 ? 1.6 : 1;
  const tenure_months = Math.min(72, Math.floor(73 * Math.pow(random(), tenureScale)));
  const monthly_charges = Math.round((18 + 102 * (0.5 * random() + 0.5 * random())) * 100) / 100;
  let support_calls = 0;
  while (support_calls < 10 && random() < 0.45) support_calls++;
  return { tenure_months, monthly_charges, support_calls, contract_months };
}

/**
 * The model's training set as a reference table (the four features and the `churned` label), from which its
 * training profile is computed at registration.
 */
export function demoReferenceTable(): Table {
  const rows = demoDataset(TRAIN.rows, TRAIN.seed);
  return {
    rows: rows.length,
    columns: [
      ...DEMO_FEATURE_NAMES.map((name) => ({ name, kind: 'number' as const, values: rows.map((r) => r[name]) })),
      { name: 'churned', kind: 'boolean' as const, values: rows.map((r) => r.churned) },
    ],
  };
}

/** The features of one row as a number vector in `DEMO_FEATURE_NAMES` order (the model's input layout). */
export function demoFeatureVector(f: DemoFeatures): number[] {
  return DEMO_FEATURE_NAMES.map((name) => f[name]);
}

/** A realistic request row: a new, month-to-month customer with a high bill who has called support a few times. */
export function demoExample(): DemoFeatures {
  return { tenure_months: 4, monthly_charges: 94.5, support_calls: 3, contract_months: 1 };
}

const TRAIN = { rows: 2000, seed: 20261101, learningRate: 0.5, epochs: 400, l2: 0.001 } as const;
const HOLDOUT = { rows: 500, seed: 20261102 } as const;

/**
 * Trains the churn logistic regression (full-batch gradient descent on standardized features, L2 on the weights)
 * and writes it as ONNX: `features` FP32 [batch, 4] -> Sub mean -> Div std -> MatMul -> Add -> Sigmoid ->
 * `probability` FP32 [batch, 1], and `label` BOOL [batch, 1] = probability > 0.5.
 */
export function buildDemoModel(): DemoModel {
  const train = demoDataset(TRAIN.rows, TRAIN.seed).map((r) => ({ x: demoFeatureVector(r), y: r.churned ? 1 : 0 }));
  const k = DEMO_FEATURE_NAMES.length;
  const mean = Array.from({ length: k }, (_, j) => average(train.map((r) => r.x[j]!)));
  const std = Array.from({ length: k }, (_, j) => {
    const sd = Math.sqrt(average(train.map((r) => (r.x[j]! - mean[j]!) ** 2)));
    return sd > 0 ? sd : 1;
  });
  const z = train.map((r) => r.x.map((v, j) => (v - mean[j]!) / std[j]!));
  const w = new Array<number>(k).fill(0);
  let b = 0;
  for (let epoch = 0; epoch < TRAIN.epochs; epoch++) {
    const gw = new Array<number>(k).fill(0);
    let gb = 0;
    for (let i = 0; i < z.length; i++) {
      const zi = z[i]!;
      const err = sigmoid(dot(w, zi) + b) - train[i]!.y;
      for (let j = 0; j < k; j++) gw[j]! += err * zi[j]!;
      gb += err;
    }
    for (let j = 0; j < k; j++) w[j]! -= TRAIN.learningRate * (gw[j]! / z.length + TRAIN.l2 * w[j]!);
    b -= TRAIN.learningRate * (gb / z.length);
  }

  const predict = (f: DemoFeatures): number => sigmoid(dot(w, demoFeatureVector(f).map((v, j) => (v - mean[j]!) / std[j]!)) + b);
  const holdout = demoDataset(HOLDOUT.rows, HOLDOUT.seed);
  const metrics = binaryMetrics(holdout.map(predict), holdout.map((r) => r.churned));

  const bytes = buildOnnxModel({
    inputs: [{ name: 'features', datatype: 'FP32', shape: ['batch', k] }],
    outputs: [
      { name: 'probability', datatype: 'FP32', shape: ['batch', 1] },
      { name: 'label', datatype: 'BOOL', shape: ['batch', 1] },
    ],
    initializers: [
      { name: 'feature_mean', datatype: 'FP32', dims: [k], values: mean },
      { name: 'feature_std', datatype: 'FP32', dims: [k], values: std },
      { name: 'weights', datatype: 'FP32', dims: [k, 1], values: w },
      { name: 'bias', datatype: 'FP32', dims: [1], values: [b] },
      { name: 'threshold', datatype: 'FP32', dims: [], values: [0.5] },
    ],
    nodes: [
      { op: 'Sub', inputs: ['features', 'feature_mean'], outputs: ['centered'] },
      { op: 'Div', inputs: ['centered', 'feature_std'], outputs: ['standardized'] },
      { op: 'MatMul', inputs: ['standardized', 'weights'], outputs: ['logit_raw'] },
      { op: 'Add', inputs: ['logit_raw', 'bias'], outputs: ['logit'] },
      { op: 'Sigmoid', inputs: ['logit'], outputs: ['probability'] },
      { op: 'Greater', inputs: ['probability', 'threshold'], outputs: ['label'] },
    ],
    graphName: 'churn_logistic_regression',
    docString: 'Churn probability from tenure, monthly charges, support calls and contract length.',
    metadata: { features: DEMO_FEATURE_NAMES.join(','), dataset_version: 'synthetic-churn-v1' },
  });

  return {
    name: 'churn',
    bytes,
    featureNames: [...DEMO_FEATURE_NAMES],
    metrics,
    params: {
      model_type: 'logistic_regression',
      optimizer: 'batch_gradient_descent',
      learning_rate: String(TRAIN.learningRate),
      epochs: String(TRAIN.epochs),
      l2: String(TRAIN.l2),
      train_rows: String(TRAIN.rows),
      holdout_rows: String(HOLDOUT.rows),
      seed: String(TRAIN.seed),
      holdout_seed: String(HOLDOUT.seed),
      standardize: 'true',
      threshold: '0.5',
    },
    datasetVersion: 'synthetic-churn-v1',
    trainedAt: Date.UTC(2026, 10, 1),
    description:
      'Customer churn classifier (logistic regression) trained on synthetic data: probability of churn and a ' +
      'yes/no label at 0.5 from tenure, monthly charges, support calls and contract length.',
    source: 'mooring/src/demo/demo-model.ts',
  };
}

/** Accuracy at 0.5, ROC AUC (rank statistic, ties counted half) and mean log loss. */
function binaryMetrics(scores: readonly number[], labels: readonly boolean[]): DemoModel['metrics'] {
  const n = scores.length;
  let correct = 0;
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const p = Math.min(Math.max(scores[i]!, 1e-15), 1 - 1e-15);
    if (p > 0.5 === labels[i]) correct++;
    loss -= labels[i] ? Math.log(p) : Math.log(1 - p);
  }
  const order = scores.map((s, i) => ({ s, y: labels[i]! })).sort((a, b) => a.s - b.s);
  let rankSumPos = 0;
  let positives = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j < n && order[j]!.s === order[i]!.s) j++;
    const avgRank = (i + 1 + j) / 2; // ranks i+1..j share their average
    for (let t = i; t < j; t++) if (order[t]!.y) (rankSumPos += avgRank), positives++;
    i = j;
  }
  const negatives = n - positives;
  const auc = positives && negatives ? (rankSumPos - (positives * (positives + 1)) / 2) / (positives * negatives) : 0.5;
  return { accuracy: correct / n, auc, log_loss: loss / n };
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function average(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return values.length ? s / values.length : 0;
}
