/**
 * Named features: how a version's inputs are described by name, and how each feature becomes numbers in the
 * model's input tensor. The encoding is part of the version (stored with it), so serving, batch scoring and
 * training-set export all pack the same way through `src/core/features/packer.ts`.
 */

/** How a feature becomes tensor columns. */
export type FeatureEncoding =
  /** A numerical feature: one column, the number itself. */
  | { readonly kind: 'value' }
  /** A categorical feature as one column holding the category's position in `categories`; unseen -> -1. */
  | { readonly kind: 'index'; readonly categories: readonly string[] }
  /** A categorical feature as `categories.length` columns, 1 for its category and 0 elsewhere; unseen -> all 0. */
  | { readonly kind: 'onehot'; readonly categories: readonly string[] };

/** One named feature. */
export interface FeatureSpec {
  readonly name: string;
  readonly type: 'numerical' | 'categorical';
  readonly encoding: FeatureEncoding;
  /** Whether null is an accepted value (packed as NaN, or as unseen for categories). Default false: null is refused. */
  readonly nullable?: boolean;
}

/**
 * A version's named features: packed in this order into the one model input `input` (shape [-1, width] or
 * [n, width]).
 */
export interface FeatureSignature {
  readonly input: string;
  readonly features: readonly FeatureSpec[];
}

/** Tensor columns one feature takes. */
export function featureWidth(f: FeatureSpec): number {
  return f.encoding.kind === 'onehot' ? f.encoding.categories.length : 1;
}

/** Tensor columns all features take together. */
export function packedWidth(sig: FeatureSignature): number {
  let w = 0;
  for (const f of sig.features) w += featureWidth(f);
  return w;
}
