import { MemoryPredictionLog } from '../../src/storage/memory/memory-prediction-log.js';
import { predictionLogSuite } from './prediction-log.suite.js';

predictionLogSuite('memory', async () => new MemoryPredictionLog());
