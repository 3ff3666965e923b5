import type { Metric, Registry } from 'prom-client';

/**
 * Per-request metrics without per-request label hashing: each series is a plain object created
 * once (per route, cluster and status class) and updated with a few number writes; the values
 * are turned into Prometheus samples only when `/metrics` is scraped. prom-client's own children
 * hash their label set on every `inc`/`observe`, which showed up in request-path profiles.
 */

type Labels = Record<string, string>;

interface Sample {
  labels: Labels;
  value: number;
  metricName?: string;
}

/** The shape prom-client's Registry reads from a metric at scrape time. */
interface ScrapeData {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  values: Sample[];
  aggregator: 'sum';
}

export class CounterSeries {
  value = 0;
  constructor(readonly labels: Labels) {}
}

export class FastCounter {
  readonly type = 'counter';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, CounterSeries>();

  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  /** The series for a label set (created on first use; keep the reference). */
  series_(key: string, labels: Labels): CounterSeries {
    let s = this.series.get(key);
    if (!s) {
      s = new CounterSeries(labels);
      this.series.set(key, s);
    }
    return s;
  }

  remove(key: string): void {
    this.series.delete(key);
  }

  async get(): Promise<ScrapeData> {
    const values: Sample[] = [];
    for (const s of this.series.values()) values.push({ labels: s.labels, value: s.value });
    return { name: this.name, help: this.help, type: 'counter', values, aggregator: 'sum' };
  }

  reset(): void {
    for (const s of this.series.values()) s.value = 0;
  }
}

export class HistogramSeries {
  /** Non-cumulative counts per bucket; the last slot is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Labels,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += value;
    this.count++;
  }
}

export class FastHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, HistogramSeries>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly bounds: readonly number[],
  ) {}

  series_(key: string, labels: Labels): HistogramSeries {
    let s = this.series.get(key);
    if (!s) {
      s = new HistogramSeries(labels, this.bounds);
      this.series.set(key, s);
    }
    return s;
  }

  remove(key: string): void {
    this.series.delete(key);
  }

  async get(): Promise<ScrapeData> {
    const values: Sample[] = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.series.values()) {
      let acc = 0;
      this.bounds.forEach((le, i) => {
        acc += s.counts[i] as number;
        values.push({ labels: { ...s.labels, le: String(le) }, value: acc, metricName: bucket });
      });
      values.push({ labels: { ...s.labels, le: '+Inf' }, value: s.count, metricName: bucket });
      values.push({ labels: s.labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: s.labels, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: 'histogram', values, aggregator: 'sum' };
  }

  reset(): void {
    for (const s of this.series.values()) {
      s.counts.fill(0);
      s.sum = 0;
      s.count = 0;
    }
  }
}

/** Registers a fast metric with a prom-client registry (it only calls `get()` and `reset()`). */
export function registerFast(registry: Registry, metric: FastCounter | FastHistogram): void {
  registry.registerMetric(metric as unknown as Metric);
}
