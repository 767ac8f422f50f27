import type { AccuracyMetric, ModelSignals, SignalWindow } from '../../src/core/monitoring/signals.js';

/** Which signal a fake value answers, as an alert rule names it (`accuracy:auc`, `column_drift:tenure`). */
export type FakeSignalKey = string;

/**
 * ModelSignals with values a test sets by hand: `set('churn', 'error_rate', 0.2)`; a value may be a number, null
 * (no data), an Error (the signal throws) or a function of the window. Every call is recorded with its window.
 */
export class FakeSignals implements ModelSignals {
  readonly calls: Array<{ key: string; window: SignalWindow }> = [];
  readonly #values = new Map<string, number | null | Error | ((w: SignalWindow) => number | null)>();

  /** Sets what `signal` of `model` answers from now on. */
  set(model: string, signal: FakeSignalKey, value: number | null | Error | ((w: SignalWindow) => number | null)): this {
    this.#values.set(`${model} ${signal}`, value);
    return this;
  }

  errorRate(w: SignalWindow): Promise<number | null> {
    return this.#answer('error_rate', w);
  }

  latencyP99Ms(w: SignalWindow): Promise<number | null> {
    return this.#answer('latency_p99_ms', w);
  }

  accuracy(w: SignalWindow, metric: AccuracyMetric): Promise<number | null> {
    return this.#answer(`accuracy:${metric}`, w);
  }

  driftShare(w: SignalWindow): Promise<number | null> {
    return this.#answer('drift_share', w);
  }

  columnDrift(w: SignalWindow, column: string): Promise<number | null> {
    return this.#answer(`column_drift:${column}`, w);
  }

  predictionShift(w: SignalWindow): Promise<number | null> {
    return this.#answer('prediction_shift', w);
  }

  rolloutRolledBack(w: SignalWindow): Promise<number | null> {
    return this.#answer('rollout_rolled_back', w);
  }

  async #answer(key: string, w: SignalWindow): Promise<number | null> {
    this.calls.push({ key, window: w });
    const v = this.#values.get(`${w.model} ${key}`);
    if (v === undefined) return null;
    if (v instanceof Error) throw v;
    return typeof v === 'function' ? v(w) : v;
  }
}

/** A pino-like logger that keeps what it was given. */
export class CapturingLogger {
  readonly lines: Array<{ level: 'info' | 'warn' | 'error'; obj: Record<string, unknown>; msg: string }> = [];

  info(obj: object, msg: string): void {
    this.lines.push({ level: 'info', obj: obj as Record<string, unknown>, msg });
  }

  warn(obj: object, msg: string): void {
    this.lines.push({ level: 'warn', obj: obj as Record<string, unknown>, msg });
  }

  error(obj: object, msg: string): void {
    this.lines.push({ level: 'error', obj: obj as Record<string, unknown>, msg });
  }

  /** Lines whose message matches. */
  matching(re: RegExp): Array<{ level: string; obj: Record<string, unknown>; msg: string }> {
    return this.lines.filter((l) => re.test(l.msg));
  }
}
