import type { FastifyInstance } from 'fastify';
import type { MooringContext } from '../../compose.js';
import { MooringError, fail } from '../../core/errors.js';
import { parseSelector } from '../../core/registry/names.js';
import type { ModelVersion } from '../../core/registry/types.js';
import { encodeModelMetadata, encodeModelReady, encodeServerMetadata } from '../../protocol/v2/metadata.js';

/**
 * Open Inference Protocol v2 metadata: server metadata, the model list (`GET /v2/models`, the common extension),
 * model metadata and model readiness, with and without `/versions/{v}`. A version segment may be a number, an
 * alias (`canary`) or `latest`. Model metadata adds `properties` (string map, allowed by the spec) with the
 * registry facts a client may want: the serving version, dataset version, training time, artifact digest.
 */
export function registerV2MetadataRoutes(app: FastifyInstance, ctx: MooringContext, version: string): void {
  const platform = ctx.runtime.platform;
  app.get('/v2', () => encodeServerMetadata({ name: 'mooring', version, extensions: [] }));

  app.get('/v2/models', async () => {
    const status = new Map(ctx.pool.status().map((s) => [s.name, s]));
    const models = await ctx.store.listModels();
    return {
      models: models.map((m) => ({
        name: m.name,
        platform,
        ready: status.get(m.name)?.ready ?? false,
        production_version: m.aliases.production ?? null,
        latest_version: m.latestVersion,
        aliases: m.aliases,
      })),
    };
  });

  const metadata = async (name: string, selector?: string) => {
    const v = await resolve(ctx, name, selector);
    const versions = (await ctx.store.listVersions(name)).map((x) => x.version);
    return { ...encodeModelMetadata({ name, versions, platform, signature: v.signature }), properties: properties(v) };
  };
  app.get<{ Params: { name: string } }>('/v2/models/:name', (req) => metadata(req.params.name));
  app.get<{ Params: { name: string; version: string } }>('/v2/models/:name/versions/:version', (req) =>
    metadata(req.params.name, req.params.version),
  );

  app.get<{ Params: { name: string } }>('/v2/models/:name/ready', async (req, reply) => {
    const { name } = req.params;
    await ctx.registry.model(name);
    const ready = ctx.pool.productionOf(name) !== undefined;
    return reply.code(ready ? 200 : 503).send(encodeModelReady(name, ready));
  });
  app.get<{ Params: { name: string; version: string } }>('/v2/models/:name/versions/:version/ready', async (req, reply) => {
    const { name, version: selector } = req.params;
    const v = await resolve(ctx, name, selector);
    const ready = ctx.pool.lookup(name, v.version) !== undefined;
    return reply.code(ready ? 200 : 503).send(encodeModelReady(name, ready));
  });
}

/** The version a metadata request names: production when none, else a number, `latest` or an alias. */
async function resolve(ctx: MooringContext, name: string, selector?: string): Promise<ModelVersion> {
  if (selector === undefined) {
    const served = ctx.pool.productionOf(name);
    if (served) return served.meta;
    try {
      return await ctx.registry.resolve(name);
    } catch (e) {
      if (e instanceof MooringError && e.code === 'ALIAS_NOT_FOUND') {
        throw fail('MODEL_NOT_READY', `model ${JSON.stringify(name)} has no production version: deploy one first`, { model: name });
      }
      throw e;
    }
  }
  return ctx.registry.resolve(parseSelector(name, selector));
}

function properties(v: ModelVersion): Record<string, string> {
  const p: Record<string, string> = { version: String(v.version), artifact_sha256: v.artifact.sha256 };
  if (v.datasetVersion) p.dataset_version = v.datasetVersion;
  if (v.trainedAt !== null) p.trained_at = new Date(v.trainedAt).toISOString();
  if (v.source) p.source = v.source;
  return p;
}
