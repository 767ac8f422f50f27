import type { AbAdminApi, AbChangeDto, AbReportDto, AbReportInput, AbStartInput } from '../protocol/admin/ab-admin-api.js';
import type { JsonCall } from './http-alerts-client.js';

/** AbAdminApi over a running server's `/api/models/{name}/ab` routes; HttpAdminClient delegates to it. */
export class HttpAbClient implements AbAdminApi {
  readonly #json: JsonCall;

  constructor(json: JsonCall) {
    this.#json = json;
  }

  startAb(name: string, version: number, options: AbStartInput): Promise<AbChangeDto> {
    const body: Record<string, unknown> = { version };
    for (const [k, v] of Object.entries(options)) if (v !== undefined) body[k] = v;
    return this.#json('POST', `/api/models/${encodeURIComponent(name)}/ab`, body);
  }

  stopAb(name: string): Promise<AbChangeDto> {
    return this.#json('DELETE', `/api/models/${encodeURIComponent(name)}/ab`);
  }

  abReport(name: string, query: AbReportInput = {}): Promise<AbReportDto> {
    const q = query.since === undefined ? '' : `?${new URLSearchParams({ since: query.since }).toString()}`;
    return this.#json('GET', `/api/models/${encodeURIComponent(name)}/ab/report${q}`);
  }
}
