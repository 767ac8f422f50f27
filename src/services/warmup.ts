import { DATATYPE_INFO } from '../core/inference/datatypes.js';
import { elementCount } from '../core/inference/tensor.js';
import type { Tensor, TensorData } from '../core/inference/tensor.js';
import type { ModelVersion } from '../core/registry/types.js';

/** One small input per signature input: variable dimensions become 1, values zero (empty strings for BYTES). */
export function warmupInputs(meta: ModelVersion): Tensor[] {
  return meta.signature.inputs.map((spec) => {
    const shape = spec.shape.map((d) => (d < 0 ? 1 : d));
    const n = elementCount(shape);
    const info = DATATYPE_INFO[spec.datatype];
    let data: TensorData;
    if (spec.datatype === 'BYTES') data = new Array<string>(n).fill('');
    else if (spec.datatype === 'INT64') data = new BigInt64Array(n);
    else if (spec.datatype === 'UINT64') data = new BigUint64Array(n);
    else data = newTypedArray(info.ort, n);
    return { name: spec.name, datatype: spec.datatype, shape, data };
  });
}

function newTypedArray(ort: string, n: number): TensorData {
  switch (ort) {
    case 'float32':
      return new Float32Array(n);
    case 'float64':
      return new Float64Array(n);
    case 'int8':
      return new Int8Array(n);
    case 'int16':
      return new Int16Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'uint16':
    case 'float16':
      return new Uint16Array(n);
    case 'uint32':
      return new Uint32Array(n);
    default:
      return new Uint8Array(n); // uint8, bool
  }
}
