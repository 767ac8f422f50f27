import type { Logger } from 'pino';
import type { ModelRuntime } from '../runtime/model-runtime.js';
import type { RegistryService } from '../services/registry-service.js';
import { buildReferenceProfile } from '../services/reference-profile.js';
import { buildDemoModel, demoExample, demoReferenceTable } from './demo-model.js';
import type { DemoFeatures } from './demo-model.js';

/**
 * Registers and deploys the demo churn model when the registry is empty, so `npm install && npm start` on a fresh
 * machine answers predictions at once. The version carries named features and the training profile of its
 * training set, so a newcomer sees records by name, range checks and out-of-distribution warnings at work.
 * A registry that already has models is left alone.
 */
export async function ensureDemoModel(registry: RegistryService, runtime: ModelRuntime, logger: Logger, now: number): Promise<void> {
  if ((await registry.store.listModels()).length > 0) return;
  const demo = buildDemoModel();
  const { features, profile } = await buildReferenceProfile(runtime, demo.bytes, demoReferenceTable(), {
    target: 'churned',
    source: 'demo training set (2,000 synthetic customers)',
    now,
  });
  const version = await registry.register(
    {
      name: demo.name,
      artifact: demo.bytes,
      metrics: demo.metrics,
      params: demo.params,
      tags: { demo: 'true' },
      datasetVersion: demo.datasetVersion,
      trainedAt: demo.trainedAt,
      description: demo.description,
      source: demo.source,
      alias: 'production',
      features,
      profile,
    },
    { actor: 'server:demo', reason: 'empty registry: demo model registered at first start' },
  );
  logger.info({ model: demo.name, version: version.version }, 'demo model registered and deployed');
}

/** A records request for the demo model, by feature name, for the start-up message and the README. */
export function demoRequest(): { instances: DemoFeatures[] } {
  return { instances: [demoExample()] };
}
