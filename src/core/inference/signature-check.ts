import { fail } from '../errors.js';
import { shapeFits } from './tensor.js';
import type { Signature, Tensor, TensorSpec } from './tensor.js';

/**
 * Checks request tensors against a model signature. Compiled once per model version (the name lookups and the
 * output list are built here), so a request pays only for a few map reads: bad input is refused with a 4xx code
 * before it can reach the runtime, where it would surface as an opaque 500.
 */
export interface SignatureCheck {
  /**
   * Returns the request's tensors in signature order, or throws UNKNOWN_INPUT, MISSING_INPUT, INVALID_DATATYPE
   * or SHAPE_MISMATCH (including inputs whose variable batch dimensions disagree).
   */
  inputs(tensors: readonly Tensor[]): Tensor[];
  /** Validates an `outputs` filter: undefined for "all", else the names; throws UNKNOWN_OUTPUT. */
  outputs(names: readonly string[] | undefined): readonly string[] | undefined;
}

/** Compiles the check for one signature. */
export function compileSignatureCheck(signature: Signature): SignatureCheck {
  const specs = signature.inputs;
  const index = new Map<string, number>();
  specs.forEach((s, i) => index.set(s.name, i));
  const outputNames = new Set(signature.outputs.map((o) => o.name));
  const batched = specs.map((s) => s.shape.length > 0 && s.shape[0] === -1);
  const describe = (s: TensorSpec): string => `[${s.shape.join(', ')}]`;
  const single = specs.length === 1 ? specs[0]! : null;

  return {
    inputs(tensors) {
      if (single && tensors.length === 1 && tensors[0]!.name === single.name) {
        checkOne(tensors[0]!, single, describe);
        return [tensors[0]!];
      }
      const ordered = new Array<Tensor>(specs.length);
      for (const t of tensors) {
        const i = index.get(t.name);
        if (i === undefined) {
          throw fail('UNKNOWN_INPUT', `model has no input ${JSON.stringify(t.name)}; its inputs are ${specs.map((s) => s.name).join(', ')}`, {
            input: t.name,
          });
        }
        checkOne(t, specs[i]!, describe);
        ordered[i] = t;
      }
      let batch = -1;
      for (let i = 0; i < specs.length; i++) {
        const t = ordered[i];
        if (t === undefined) {
          throw fail('MISSING_INPUT', `input ${JSON.stringify(specs[i]!.name)} is required`, { input: specs[i]!.name });
        }
        if (batched[i]) {
          const n = t.shape[0]!;
          if (batch === -1) batch = n;
          else if (n !== batch) {
            throw fail('SHAPE_MISMATCH', `inputs disagree on the batch dimension (${batch} vs ${n} for ${JSON.stringify(t.name)})`, {
              input: t.name,
            });
          }
        }
      }
      return ordered;
    },
    outputs(names) {
      if (names === undefined) return undefined;
      for (const n of names) {
        if (!outputNames.has(n)) {
          throw fail('UNKNOWN_OUTPUT', `model has no output ${JSON.stringify(n)}; its outputs are ${[...outputNames].join(', ')}`, {
            output: n,
          });
        }
      }
      return names;
    },
  };
}

function checkOne(t: Tensor, spec: TensorSpec, describe: (s: TensorSpec) => string): void {
  if (t.datatype !== spec.datatype) {
    throw fail('INVALID_DATATYPE', `input ${JSON.stringify(t.name)} has datatype ${t.datatype}; the model expects ${spec.datatype}`, {
      input: t.name,
    });
  }
  if (!shapeFits(t.shape, spec.shape)) {
    throw fail('SHAPE_MISMATCH', `input ${JSON.stringify(t.name)} has shape [${t.shape.join(', ')}]; the model expects ${describe(spec)} (-1 = any size)`, {
      input: t.name,
    });
  }
}
