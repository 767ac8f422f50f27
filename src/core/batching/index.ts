/** Adaptive batching (issue #7): the batcher, the check that a model can be batched, and the row surgery. */
export { batchable, type Batchability } from './batchable.js';
export {
  DynamicBatcher,
  type BatcherCounters,
  type DynamicBatcherOptions,
  type RunBatch,
} from './dynamic-batcher.js';
export { concatRows, rowStride, rowsCompatible, splitOutputs, splitRows, type SplitResult } from './tensor-rows.js';
export { immediateTurns, type TurnScheduler } from './turn-scheduler.js';
