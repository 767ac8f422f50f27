import { z } from 'zod';
import { fail } from '../errors.js';
import type { Datatype, Signature, TensorSpec } from '../inference/tensor.js';
import { describeIssue } from '../schema-issue.js';
import type { FeatureSignature } from './feature-spec.js';
import { packedWidth } from './feature-spec.js';

/**
 * The rules a version's named features must meet at registration, checked once so that serving, batch scoring and
 * training-set export can pack without re-checking: the shape of the declaration (names, types, encodings,
 * categories) and its fit to the model's signature (one numeric rank-2 input exactly as wide as the packed
 * features). Pure: no I/O. Every refusal is INVALID_FEATURES with a message naming the feature and the problem.
 */

/** Longest feature name. */
export const MAX_FEATURE_NAME = 256;
/** Most categories one categorical feature may list. */
export const MAX_CATEGORIES = 10_000;
/** Longest category value. */
export const MAX_CATEGORY_LENGTH = 1024;
/** Most features one version may name. */
export const MAX_FEATURES = 10_000;
/** Most tensor columns the features may pack into (a one-hot feature takes one per category). */
export const MAX_PACKED_WIDTH = 1_000_000;

/** Datatypes that can hold -1 (the index of an unseen category). */
const SIGNED: ReadonlySet<Datatype> = new Set<Datatype>(['INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64']);
/** Datatypes that can hold NaN (a null numerical value). */
const FLOATING: ReadonlySet<Datatype> = new Set<Datatype>(['FP16', 'FP32', 'FP64']);
/** Largest index per integer datatype, so an index-encoded feature's categories fit. */
const MAX_INDEX: Partial<Record<Datatype, number>> = { INT8: 127, INT16: 32_767, FP16: 2048 };

const EncodingSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('value') }),
  z.strictObject({
    kind: z.literal('index'),
    categories: z.array(z.string().max(MAX_CATEGORY_LENGTH)).min(1).max(MAX_CATEGORIES),
  }),
  z.strictObject({
    kind: z.literal('onehot'),
    categories: z.array(z.string().max(MAX_CATEGORY_LENGTH)).min(1).max(MAX_CATEGORIES),
  }),
]);

const FeatureSpecSchema = z.strictObject({
  name: z.string().min(1).max(MAX_FEATURE_NAME),
  type: z.enum(['numerical', 'categorical']),
  encoding: EncodingSchema,
  nullable: z.boolean().optional(),
});

/** The shape of a FeatureSignature (zod); `validateFeatures` adds the rules that span features and the model. */
export const FeatureSignatureSchema = z.strictObject({
  input: z.string().min(1),
  features: z.array(FeatureSpecSchema).min(1).max(MAX_FEATURES),
});

function invalid(message: string, details: Record<string, unknown> = {}): never {
  throw fail('INVALID_FEATURES', message, details);
}

function shapeText(spec: TensorSpec): string {
  return `[${spec.shape.join(', ')}]`;
}

/**
 * Checks `value` as the named features of a model with `signature` and returns it as a clean FeatureSignature
 * (unknown keys refused, not dropped). Throws INVALID_FEATURES naming the first problem found.
 */
export function validateFeatures(value: unknown, signature: Signature): FeatureSignature {
  const parsed = FeatureSignatureSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    invalid(`invalid features: ${describeIssue(issue, { root: 'features' })}`, { path: issue.path.map(String) });
  }
  const sig = parsed.data;

  const names = new Map<string, number>();
  sig.features.forEach((f, i) => {
    const where = `features.features[${i}] (${JSON.stringify(f.name)})`;
    const first = names.get(f.name);
    if (first !== undefined) {
      invalid(`invalid features: the name ${JSON.stringify(f.name)} is used twice (features[${first}] and features[${i}])`, { feature: f.name });
    }
    names.set(f.name, i);
    if (f.type === 'numerical' && f.encoding.kind !== 'value') {
      invalid(`invalid features: ${where} is numerical, so its encoding must be "value", not ${JSON.stringify(f.encoding.kind)}`, { feature: f.name });
    }
    if (f.type === 'categorical') {
      if (f.encoding.kind === 'value') {
        invalid(`invalid features: ${where} is categorical, so its encoding must be "index" or "onehot" with a list of categories`, {
          feature: f.name,
        });
      }
      const seen = new Set<string>();
      for (const c of f.encoding.categories) {
        if (seen.has(c)) invalid(`invalid features: ${where} lists the category ${JSON.stringify(c)} twice`, { feature: f.name, category: c });
        seen.add(c);
      }
    }
  });

  const features: FeatureSignature = sig;
  const width = packedWidth(features);
  if (width > MAX_PACKED_WIDTH) {
    invalid(`invalid features: they pack into ${width} tensor columns, more than the ${MAX_PACKED_WIDTH} allowed`, { width });
  }
  checkFitsModel(features, signature, width);
  return features;
}

function checkFitsModel(sig: FeatureSignature, signature: Signature, width: number): void {
  const inputs = signature.inputs;
  if (inputs.length !== 1) {
    invalid(
      `named features need a model with exactly one input; this model has ${inputs.length} (${inputs.map((i) => JSON.stringify(i.name)).join(', ')})`,
      { inputs: inputs.length },
    );
  }
  const input = inputs[0]!;
  if (sig.input !== input.name) {
    invalid(`invalid features: input ${JSON.stringify(sig.input)} is not the model's input; its one input is ${JSON.stringify(input.name)}`, {
      input: sig.input,
    });
  }
  if (input.shape.length !== 2) {
    invalid(
      `named features need a rank-2 input [rows, columns]; input ${JSON.stringify(input.name)} has shape ${shapeText(input)} (rank ${input.shape.length})`,
      { input: input.name },
    );
  }
  if (input.datatype === 'BYTES' || input.datatype === 'BOOL') {
    invalid(`named features need a numeric input; input ${JSON.stringify(input.name)} is ${input.datatype}`, { input: input.name });
  }
  const last = input.shape[1]!;
  if (last !== -1 && last !== width) {
    invalid(
      `the features pack into ${width} columns but input ${JSON.stringify(input.name)} has ${last} (shape ${shapeText(input)})`,
      { input: input.name, width, columns: last },
    );
  }
  // What the packer writes must fit the datatype: -1 for an unseen category, NaN for a null number.
  for (const f of sig.features) {
    if (f.encoding.kind === 'index') {
      if (!SIGNED.has(input.datatype)) {
        invalid(
          `feature ${JSON.stringify(f.name)} is index-encoded (an unseen category packs as -1), which input ${JSON.stringify(input.name)} of datatype ${input.datatype} cannot hold: use onehot or a signed input`,
          { feature: f.name },
        );
      }
      const max = MAX_INDEX[input.datatype];
      if (max !== undefined && f.encoding.categories.length - 1 > max) {
        invalid(
          `feature ${JSON.stringify(f.name)} has ${f.encoding.categories.length} categories; ${input.datatype} holds indexes up to ${max} exactly`,
          { feature: f.name },
        );
      }
    }
    if (f.nullable === true && f.type === 'numerical' && !FLOATING.has(input.datatype)) {
      invalid(
        `feature ${JSON.stringify(f.name)} is nullable (null packs as NaN), which input ${JSON.stringify(input.name)} of datatype ${input.datatype} cannot hold: use a floating-point input`,
        { feature: f.name },
      );
    }
  }
}
