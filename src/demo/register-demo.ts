import type { Logger } from 'pino';
import type { RegistryService } from '../services/registry-service.js';
import { buildDemoModel, demoExample, demoFeatureVector } from './demo-model.js';

/**
 * Registers and deploys the demo churn model when the registry is empty, so `npm install && npm start` on a fresh
 * machine answers predictions at once. A registry that already has models is left alone.
 */
export async function ensureDemoModel(registry: RegistryService, logger: Logger): Promise<void> {
  if ((await registry.store.listModels()).length > 0) return;
  const demo = buildDemoModel();
  const version = await registry.register(
    {
      name: demo.name,
      artifact: demo.bytes,
      metrics: demo.metrics,
      params: demo.params,
      tags: { demo: 'true', features: demo.featureNames.join(',') },
      datasetVersion: demo.datasetVersion,
      trainedAt: demo.trainedAt,
      description: demo.description,
      source: demo.source,
      alias: 'production',
    },
    { actor: 'server:demo', reason: 'empty registry: demo model registered at first start' },
  );
  logger.info({ model: demo.name, version: version.version }, 'demo model registered and deployed');
}

/** A records request for the demo model, for the start-up message and the README. */
export function demoRequest(): { instances: number[][] } {
  return { instances: [demoFeatureVector(demoExample())] };
}
