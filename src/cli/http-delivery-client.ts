import type { ComparisonReportDto } from '../protocol/admin/comparison-dto.js';
import type { DeliveryAdminApi, ReplayInput, ShadowReportInput, ShadowStartOptions } from '../protocol/admin/delivery-admin-api.js';
import type { DeploymentChangeDto } from '../protocol/admin/deployment-dto.js';
import type { JsonCall } from './http-alerts-client.js';

/**
 * DeliveryAdminApi over a running server's `/api/models/{name}/shadows...` and `/api/models/{name}/replay` routes;
 * HttpAdminClient delegates to it.
 */
export class HttpDeliveryClient implements DeliveryAdminApi {
  readonly #json: JsonCall;

  constructor(json: JsonCall) {
    this.#json = json;
  }

  startShadow(name: string, version: number, options: ShadowStartOptions = {}): Promise<DeploymentChangeDto> {
    return this.#json('POST', `/api/models/${seg(name)}/shadows`, { version, ...(options.sample === undefined ? {} : { sample: options.sample }) });
  }

  stopShadow(name: string, version?: number): Promise<DeploymentChangeDto> {
    return this.#json('DELETE', `/api/models/${seg(name)}/shadows${version === undefined ? '' : `/${version}`}`);
  }

  shadowReport(name: string, query: ShadowReportInput = {}): Promise<ComparisonReportDto> {
    const q = params({ since: query.since, until: query.until });
    const which = query.version === undefined ? 'report' : `${query.version}/report`;
    return this.#json('GET', `/api/models/${seg(name)}/shadows/${which}${q}`);
  }

  replay(name: string, version: number, options: ReplayInput = {}): Promise<ComparisonReportDto> {
    const body: Record<string, unknown> = { version };
    for (const [k, v] of Object.entries(options)) if (v !== undefined) body[k] = v;
    return this.#json('POST', `/api/models/${seg(name)}/replay`, body);
  }
}

function seg(value: string): string {
  return encodeURIComponent(value);
}

function params(values: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v !== undefined) q.set(k, v);
  const text = q.toString();
  return text.length > 0 ? `?${text}` : '';
}
