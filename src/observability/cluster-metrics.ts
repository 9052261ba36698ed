/**
 * Metrics of a node:cluster process group (`pollcast serve --processes N`). The workers share one
 * port, so a scrape lands on any of them; each worker answers with the group's total, which the
 * primary gathers over IPC (prom-client's AggregatorRegistry: counters and histograms summed,
 * gauges as each declares). Prometheus then sees one consistent target, not N interleaved ones.
 *
 * Primary: call `serveClusterMetrics()` once before forking. Worker: `shareRegistryWithPrimary`
 * once, then `clusterMetricsText()` per scrape.
 */
import cluster from 'node:cluster';
import client from 'prom-client';

const REQUEST = 'pollcast:metrics-request';
const RESPONSE = 'pollcast:metrics-response';
/** Beyond prom-client's own 5 s wait for the slowest worker. */
const TIMEOUT_MS = 6_000;

interface MetricsRequest {
  type: typeof REQUEST;
  id: number;
}
interface MetricsResponse {
  type: typeof RESPONSE;
  id: number;
  text?: string;
  error?: string;
}

/** Primary: answers each worker's request with the sum over all workers. */
export function serveClusterMetrics(): void {
  const aggregator = new client.AggregatorRegistry();
  cluster.on('message', (worker, message: unknown) => {
    const m = message as Partial<MetricsRequest> | null;
    if (m?.type !== REQUEST || typeof m.id !== 'number') return;
    const id = m.id;
    aggregator.clusterMetrics().then(
      (text) => worker.isConnected() && worker.send({ type: RESPONSE, id, text } satisfies MetricsResponse),
      (err: Error) => worker.isConnected() && worker.send({ type: RESPONSE, id, error: err.message } satisfies MetricsResponse),
    );
  });
}

/** Worker: the registry the primary collects (prom-client's default would be its global one). */
export function shareRegistryWithPrimary(registry: client.Registry): void {
  // Constructing one installs prom-client's worker-side listener that answers the primary.
  new client.AggregatorRegistry();
  client.AggregatorRegistry.setRegistries([registry]);
}

let nextId = 0;
const pending = new Map<number, { resolve: (text: string) => void; reject: (err: Error) => void; timer: NodeJS.Timeout }>();
let listening = false;

/** Worker: the whole group's metrics, from the primary. */
export function clusterMetricsText(): Promise<string> {
  if (!listening) {
    listening = true;
    process.on('message', (message: unknown) => {
      const m = message as Partial<MetricsResponse> | null;
      if (m?.type !== RESPONSE || typeof m.id !== 'number') return;
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      clearTimeout(p.timer);
      if (typeof m.text === 'string') p.resolve(m.text);
      else p.reject(new Error(`cluster metrics: ${m.error ?? 'no answer'}`));
    });
  }
  const id = nextId++;
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(new Error('cluster metrics: the primary did not answer'));
    }, TIMEOUT_MS);
    timer.unref();
    pending.set(id, { resolve, reject, timer });
    process.send?.({ type: REQUEST, id } satisfies MetricsRequest);
  });
}
