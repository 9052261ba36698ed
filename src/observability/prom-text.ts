/**
 * Reads the Prometheus text exposition format (what /metrics serves) into samples, with the few
 * queries `pollcast status` needs: sums over label filters and a quantile from histogram buckets.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE_RE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL_RE = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/gy;

function parseValue(v: string): number {
  if (v === '+Inf') return Infinity;
  if (v === '-Inf') return -Infinity;
  return Number(v);
}

export function parsePromText(text: string): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE_RE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    if (m[2]) {
      LABEL_RE.lastIndex = 0;
      let l: RegExpExecArray | null;
      while ((l = LABEL_RE.exec(m[2])) !== null) labels[l[1]!] = l[2]!.replace(/\\n/g, '\n').replace(/\\(.)/g, '$1');
    }
    out.push({ name: m[1]!, labels, value: parseValue(m[3]!) });
  }
  return out;
}

export type LabelFilter = Record<string, string | RegExp>;

function matches(s: Sample, name: string, filter: LabelFilter): boolean {
  if (s.name !== name) return false;
  for (const [k, want] of Object.entries(filter)) {
    const v = s.labels[k] ?? '';
    if (typeof want === 'string' ? v !== want : !want.test(v)) return false;
  }
  return true;
}

/** Sum of every sample of `name` matching the filter; null when there is none. */
export function sumOf(samples: Sample[], name: string, filter: LabelFilter = {}): number | null {
  let sum = 0;
  let any = false;
  for (const s of samples) {
    if (!matches(s, name, filter) || Number.isNaN(s.value)) continue;
    sum += s.value;
    any = true;
  }
  return any ? sum : null;
}

/** Cumulative bucket counts of histogram `name` (summed over the other labels), by upper bound. */
export function bucketsOf(samples: Sample[], name: string, filter: LabelFilter = {}): Map<number, number> {
  const buckets = new Map<number, number>();
  for (const s of samples) {
    if (!matches(s, name + '_bucket', filter)) continue;
    const le = parseValue(s.labels.le ?? '+Inf');
    buckets.set(le, (buckets.get(le) ?? 0) + s.value);
  }
  return buckets;
}

/** Bucket counts of `later` minus `earlier` (what happened between two scrapes). */
export function bucketDelta(later: Map<number, number>, earlier: Map<number, number>): Map<number, number> {
  const d = new Map<number, number>();
  for (const [le, n] of later) d.set(le, Math.max(0, n - (earlier.get(le) ?? 0)));
  return d;
}

/**
 * The q-quantile from cumulative buckets, interpolated linearly inside its bucket as
 * Prometheus's histogram_quantile does; null when the histogram is empty.
 */
export function quantile(q: number, buckets: Map<number, number>): number | null {
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  const total = sorted.length > 0 ? sorted[sorted.length - 1]![1] : 0;
  if (total <= 0) return null;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const [le, count] of sorted) {
    if (count >= rank) {
      if (le === Infinity) return prevLe;
      const inBucket = count - prevCount;
      return inBucket <= 0 ? le : prevLe + (le - prevLe) * ((rank - prevCount) / inBucket);
    }
    prevLe = le;
    prevCount = count;
  }
  return prevLe;
}
