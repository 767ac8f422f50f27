import type { Metric, OpenMetricsContentType, PrometheusContentType, Registry } from 'prom-client';

/**
 * Counters and histograms for the request path that cost a few nanoseconds per update, with prom-client kept as the
 * registry and exposition engine (ADR 13).
 *
 * prom-client's label children validate and hash their label object on every `inc`/`observe` (about 1 µs each on
 * the benchmark machines, several per request). Here a label set is resolved once, to a cell, and the request path
 * only adds to the cell's numbers. The families register themselves in prom-client `Registry`s and render the same
 * values, in the same order, that a prom-client `Counter`/`Histogram` fed the same updates would: series in
 * first-use order, buckets ascending, then `+Inf`, `_sum`, `_count`. A property test holds the two texts equal.
 *
 * Deliberately not offered: exemplars, `collect` callbacks, `remove`, label objects (`labels({ ... })`), the
 * global default registry. A cell never throws: values prom-client would refuse are dropped (see `inc`/`observe`).
 */

/** A label value, as prom-client accepts them (printed with `String`). */
export type LabelValue = string | number;

/** A prom-client registry of either exposition format. */
export type AnyRegistry = Registry<PrometheusContentType> | Registry<OpenMetricsContentType>;

/** What both cell families are built from. */
export interface CellMetricConfiguration<L extends string> {
  /** The metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`). */
  readonly name: string;
  /** The HELP text. */
  readonly help: string;
  /** The label names, in the order `labels(...)` takes their values and the exposition prints them. */
  readonly labelNames?: readonly L[];
  /** The registries to render in: explicit, because a global default would mix servers that share a process. */
  readonly registers: readonly AnyRegistry[];
}

/** A histogram family's configuration. */
export interface CellHistogramConfiguration<L extends string> extends CellMetricConfiguration<L> {
  /** Upper bounds, finite and strictly ascending; prom-client's defaults when omitted. */
  readonly buckets?: readonly number[];
}

/** prom-client's default histogram buckets, so an omitted `buckets` means the same in both. */
const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

type SeriesLabels = Readonly<Record<string, LabelValue>>;

/** One counter series: a number. Obtained from `CellCounter.labels`. */
export class CounterCell {
  // -0 is the identity of +: the first `inc(n)` leaves exactly `n`, as prom-client stores it (even for n = -0).
  #value = -0;
  #live = false;

  /** @param labels the series' labels; @param series the family's first-use list this cell joins on its first update. */
  constructor(
    readonly labels: SeriesLabels,
    private readonly series: CounterCell[],
  ) {}

  /**
   * Adds `n` (default 1). NaN, infinities and negative values are dropped: prom-client throws on most of them (and
   * turns the series into NaN on `inc(NaN)`), and a metric must never fail or poison a request.
   */
  inc(n = 1): void {
    if (!(n >= 0 && n < Infinity)) return;
    this.#value += n;
    if (!this.#live) this.expose();
  }

  /** The current total. */
  get value(): number {
    return this.#value;
  }

  /** Whether the series has been used since creation or the last reset (only then is it exposed). */
  get live(): boolean {
    return this.#live;
  }

  /** Lists the series (at its current value) from now on, even before its first update. */
  expose(): void {
    if (this.#live) return;
    this.#live = true;
    this.series.push(this);
  }

  /** Back to zero and unexposed; for the family's `reset` (the hot path keeps its handle and may use it again). */
  clear(): void {
    this.#value = -0;
    this.#live = false;
  }
}

/** One histogram series: a count per bucket, a sum and a count. Obtained from `CellHistogram.labels`. */
export class HistogramCell {
  /** Non-cumulative counts per bucket; the last slot takes values above every bound and is not exported. */
  readonly #counts: Float64Array;
  #sum = 0;
  #count = 0;
  #live = false;

  /**
   * @param labels the series' labels; @param bounds the family's upper bounds (shared, never written);
   * @param series the family's first-use list this cell joins on its first observation.
   */
  constructor(
    readonly labels: SeriesLabels,
    private readonly bounds: Float64Array,
    private readonly series: HistogramCell[],
  ) {
    this.#counts = new Float64Array(bounds.length + 1);
  }

  /**
   * Records one value in the first bucket whose bound is >= it (as prom-client does). NaN and infinities are
   * dropped and counted nowhere: prom-client throws on them, and a metric must never fail a request.
   */
  observe(v: number): void {
    if (v - v !== 0) return;
    const bounds = this.bounds;
    const n = bounds.length;
    // A linear scan, as prom-client's: few bounds (~20), and request values mostly land in the first few.
    let i = 0;
    while (i < n && v > bounds[i]!) i++;
    this.#counts[i]!++;
    this.#sum += v;
    this.#count++;
    if (!this.#live) this.expose();
  }

  /** The sum of the values observed. */
  get sum(): number {
    return this.#sum;
  }

  /** How many values were observed. */
  get count(): number {
    return this.#count;
  }

  /** Whether the series has been used since creation or the last reset (only then is it exposed). */
  get live(): boolean {
    return this.#live;
  }

  /** The non-cumulative bucket counts, bound by bound (a copy). */
  buckets(): number[] {
    return Array.from(this.#counts.subarray(0, this.bounds.length));
  }

  /** Lists the series (at its current values) from now on, even before its first observation. */
  expose(): void {
    if (this.#live) return;
    this.#live = true;
    this.series.push(this);
  }

  /** Back to zero and unexposed; for the family's `reset` (the hot path keeps its handle and may use it again). */
  clear(): void {
    this.#counts.fill(0);
    this.#sum = 0;
    this.#count = 0;
    this.#live = false;
  }
}

/** One exposition value as prom-client's registry reads it (`sharedLabels` only from `getForPromString`). */
interface ExposedValue {
  labels: Record<string, LabelValue>;
  value: number;
  metricName?: string;
  sharedLabels?: SeriesLabels;
}

/** What a registry's `get()`/`getForPromString()` returns. */
interface ExposedMetric {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  values: ExposedValue[];
  aggregator: 'sum';
}

/** The label bookkeeping both families share: checked names, one cell per label set, the first-use list. */
abstract class CellFamily<C extends CounterCell | HistogramCell, L extends string> {
  /** The metric name; not readonly because an OpenMetrics registry strips a counter's `_total` in place. */
  name: string;
  /** The HELP text. */
  readonly help: string;
  /** The declared label names (read by tools that list a registry's families, as on prom-client's metrics). */
  readonly labelNames: readonly L[];
  /** How prom-client's cluster aggregation combines workers' values. */
  readonly aggregator = 'sum' as const;
  /** The cells exposed, in first-use order (cells append themselves). */
  protected readonly series: C[] = [];
  readonly #cells = new Map<string, C>();

  protected constructor(config: CellMetricConfiguration<L>) {
    if (!METRIC_NAME.test(config.name)) throw new Error(`Invalid metric name: ${config.name}`);
    if (!config.help) throw new Error(`Metric ${config.name} needs a help text`);
    const labelNames = [...(config.labelNames ?? [])];
    for (const l of labelNames) if (!LABEL_NAME.test(l)) throw new Error(`Invalid label name: ${l}`);
    this.name = config.name;
    this.help = config.help;
    this.labelNames = Object.freeze(labelNames);
  }

  /** Registers in each registry; call last in the subclass constructor. */
  protected register(registers: readonly AnyRegistry[]): void {
    // The one cast: prom-client's typings admit only its own classes, but its Registry duck-types what it holds
    // (name, type, help, aggregator, get(), getForPromString() when present, reset()). The property test in
    // metric-cells.test.ts checks the rendering against prom-client's own metrics.
    for (const r of registers) r.registerMetric(this as unknown as Metric);
  }

  /**
   * The cell of one label set, values in `labelNames` order; created on first request and kept, so callers on the
   * request path resolve it once. Throws when the number of values does not match the label names.
   */
  labels(...values: LabelValue[]): C {
    if (values.length !== this.labelNames.length) {
      throw new Error(`${this.name}: ${values.length} label values for ${this.labelNames.length} label names (${this.labelNames.join(', ')})`);
    }
    // prom-client hashes label values as strings, so 200 and '200' are one series there too.
    const key = JSON.stringify(values.map(String));
    let cell = this.#cells.get(key);
    if (cell === undefined) {
      const labels: Record<string, LabelValue> = {};
      this.labelNames.forEach((name, i) => (labels[name] = values[i]!));
      cell = this.createCell(Object.freeze(labels));
      this.#cells.set(key, cell);
    }
    return cell;
  }

  /** Zeroes every series and hides it until its next update (handles stay valid), as prom-client's `reset` does. */
  reset(): void {
    for (const cell of this.series) cell.clear();
    this.series.length = 0;
  }

  protected abstract createCell(labels: SeriesLabels): C;
}

/** A counter family whose series are `CounterCell`s; renders as a prom-client `Counter` would. */
export class CellCounter<L extends string = string> extends CellFamily<CounterCell, L> {
  /** The Prometheus type. */
  readonly type = 'counter' as const;

  /** Builds the family and registers it in `config.registers`. */
  constructor(config: CellMetricConfiguration<L>) {
    super(config);
    // prom-client shows a label-less counter at 0 from the start (and again after a reset).
    if (this.labelNames.length === 0) this.labels().inc(0);
    this.register(config.registers);
  }

  protected createCell(labels: SeriesLabels): CounterCell {
    return new CounterCell(labels, this.series);
  }

  override reset(): void {
    super.reset();
    if (this.labelNames.length === 0) this.labels().inc(0);
  }

  /** The family's values as prom-client's registry reads them (also `getMetricsAsJSON`). */
  async get(): Promise<ExposedMetric> {
    return {
      help: this.help,
      name: this.name,
      type: this.type,
      values: this.series.map((c) => ({ value: c.value, labels: c.labels })),
      aggregator: this.aggregator,
    };
  }
}

/** A histogram family whose series are `HistogramCell`s; renders as a prom-client `Histogram` would. */
export class CellHistogram<L extends string = string> extends CellFamily<HistogramCell, L> {
  /** The Prometheus type. */
  readonly type = 'histogram' as const;
  /** The upper bounds, ascending (`+Inf` is implied). */
  readonly upperBounds: readonly number[];
  readonly #bounds: Float64Array;

  /** Builds the family and registers it in `config.registers`; throws on bad buckets or a label named `le`. */
  constructor(config: CellHistogramConfiguration<L>) {
    super(config);
    if (this.labelNames.includes('le' as L)) throw new Error('le is a reserved label keyword');
    const buckets = [...(config.buckets ?? DEFAULT_BUCKETS)];
    buckets.forEach((b, i) => {
      if (!Number.isFinite(b) || (i > 0 && !(b > buckets[i - 1]!))) {
        throw new Error(`${config.name}: buckets must be finite and strictly ascending`);
      }
    });
    this.upperBounds = Object.freeze(buckets);
    this.#bounds = Float64Array.from(buckets);
    // prom-client shows a label-less histogram from the start (but not again after a reset until observed).
    if (this.labelNames.length === 0) this.labels().expose();
    this.register(config.registers);
  }

  protected createCell(labels: SeriesLabels): HistogramCell {
    return new HistogramCell(labels, this.#bounds, this.series);
  }

  /**
   * The values with series labels apart in `sharedLabels`, the shape prom-client's own Histogram gives the registry
   * for the text format (which prints `le` first, then the series labels: the same text as prom-client).
   */
  async getForPromString(): Promise<ExposedMetric> {
    const bucketName = `${this.name}_bucket`;
    const sumName = `${this.name}_sum`;
    const countName = `${this.name}_count`;
    const values: ExposedValue[] = [];
    for (const cell of this.series) {
      const shared = cell.labels;
      const counts = cell.buckets();
      let acc = 0;
      for (let i = 0; i < counts.length; i++) {
        acc += counts[i]!;
        values.push({ labels: { le: this.upperBounds[i]! }, sharedLabels: shared, value: acc, metricName: bucketName });
      }
      values.push({ labels: { le: '+Inf' }, sharedLabels: shared, value: cell.count, metricName: bucketName });
      values.push({ labels: {}, sharedLabels: shared, value: cell.sum, metricName: sumName });
      values.push({ labels: {}, sharedLabels: shared, value: cell.count, metricName: countName });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** The family's values with every label on each value (`le` first), as prom-client's Histogram `get()`. */
  async get(): Promise<ExposedMetric> {
    const data = await this.getForPromString();
    data.values = data.values.map(({ labels, value, metricName, sharedLabels }) => ({
      labels: { ...labels, ...sharedLabels },
      value,
      ...(metricName === undefined ? {} : { metricName }),
    }));
    return data;
  }
}
