import { OnnxModelRuntime } from '../../src/runtime/onnx/onnx-model-runtime.js';
import { modelRuntimeSuite } from './model-runtime.suite.js';

modelRuntimeSuite('onnx', () => new OnnxModelRuntime());
