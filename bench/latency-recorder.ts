/** Records latencies (ms, sub-millisecond precision) and reads percentiles from them. */
import type { Latency } from './bench-types.js';

export class LatencyRecorder {
  #values = new Float64Array(1 << 16);
  #n = 0;

  get count(): number {
    return this.#n;
  }

  add(ms: number): void {
    if (this.#n === this.#values.length) {
      const bigger = new Float64Array(this.#values.length * 2);
      bigger.set(this.#values);
      this.#values = bigger;
    }
    this.#values[this.#n++] = ms;
  }

  merge(other: LatencyRecorder): void {
    for (const v of other.#values.subarray(0, other.#n)) this.add(v);
  }

  /** Nearest-rank percentiles, rounded to 0.01 ms; zeros when nothing was recorded. */
  percentiles(): Latency {
    const sorted = this.#values.slice(0, this.#n).sort();
    const at = (q: number) => (sorted.length === 0 ? 0 : round2(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!));
    return { p50Ms: at(0.5), p99Ms: at(0.99), p999Ms: at(0.999) };
  }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
