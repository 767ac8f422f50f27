import { Counter, Registry, collectDefaultMetrics } from 'prom-client';
import type { ProblemReport } from '../core/validation/problems.js';

/**
 * Mooring's Prometheus metrics, one registry per server (so several servers in one test process never share
 * counters). The request path only touches counters when something happened (a problem found); label children
 * for the common series are created once, not per request.
 */

/** What the dataplane did with a request whose input had problems. */
export type ValidationOutcome = 'rejected' | 'flagged' | 'ignored';

/** The metrics of one server. */
export class Metrics {
  readonly registry = new Registry();
  private readonly validationRequests: Counter<'model' | 'version' | 'outcome'>;
  private readonly validationProblems: Counter<'model' | 'version' | 'problem'>;

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'mooring_' });
    this.validationRequests = new Counter({
      name: 'mooring_validation_requests_total',
      help: 'Requests whose input failed a check, by what was done with them (rejected, flagged and served, ignored).',
      labelNames: ['model', 'version', 'outcome'],
      registers: [this.registry],
    });
    this.validationProblems = new Counter({
      name: 'mooring_validation_problems_total',
      help: 'Input problems found, by kind (missing, wrong_type, out_of_range, unseen_category, ...).',
      labelNames: ['model', 'version', 'problem'],
      registers: [this.registry],
    });
  }

  /** Counts a request with input problems and each problem in it. */
  validation(model: string, version: string, report: ProblemReport, outcome: ValidationOutcome): void {
    this.validationRequests.labels(model, version, outcome).inc();
    for (const [problem, n] of report.byKind) this.validationProblems.labels(model, version, problem).inc(n);
  }

  /** The exposition text for `/metrics`. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** The Content-Type of `render`'s text. */
  get contentType(): string {
    return this.registry.contentType;
  }
}
