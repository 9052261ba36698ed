/**
 * A local OTLP/HTTP endpoint for the `tracing-off` scenario's informative "on" figure: accepts
 * POST /v1/traces, reads the body without parsing it (so it costs the harness as little as it
 * can) and answers 200 `{}`. Counts requests and bytes for the report.
 */
import { createServer } from 'node:http';

export interface OtlpSink {
  /** The endpoint to give OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly url: string;
  stats(): { exports: number; bytes: number; rejected: number };
  close(): Promise<void>;
}

export async function startOtlpSink(): Promise<OtlpSink> {
  let exports = 0;
  let bytes = 0;
  let rejected = 0;
  const server = createServer((req, res) => {
    let size = 0;
    req.on('data', (c: Buffer) => (size += c.length));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        rejected += 1;
        res.writeHead(404).end();
        return;
      }
      exports += 1;
      bytes += size;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    stats: () => ({ exports, bytes, rejected }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
