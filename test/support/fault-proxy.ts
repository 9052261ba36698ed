/**
 * A TCP fault proxy for integration tests (toxiproxy is not available here). It listens on
 * 127.0.0.1 at a free port and pipes every connection, byte for byte, to a real server; the test
 * then breaks and heals the link. Nothing is mocked: the client talks to the real service.
 *
 *   const proxy = await FaultProxy.start({ host: '127.0.0.1', port: 6379 });
 *   const url = proxy.url(SERVICES.redis.url);  // the same URL, pointing at the proxy
 *   proxy.cut();        // 'reset': open connections are reset, new ones refused (server down)
 *   proxy.cut('hang');  // 'hang': connections stay open but no byte passes (partition, frozen
 *                       //   server); new ones are accepted and held the same way
 *   proxy.restore();    // new connections pass again; held ('hang') ones resume where they were
 *   await proxy.close();
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export type CutMode = 'reset' | 'hang';

interface Pair {
  client: Socket;
  upstream: Socket;
  piped: boolean;
}

export class FaultProxy {
  readonly host = '127.0.0.1';
  readonly #pairs = new Set<Pair>();
  #state: 'open' | CutMode = 'open';

  private constructor(
    readonly target: { host: string; port: number },
    private readonly server: Server,
  ) {}

  static async start(target: { host: string; port: number }): Promise<FaultProxy> {
    const server = createServer();
    const proxy = new FaultProxy(target, server);
    server.on('connection', (s) => proxy.#accept(s));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, proxy.host, () => resolve());
    });
    return proxy;
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  /** 'open', or how the link is cut. */
  get state(): 'open' | CutMode {
    return this.#state;
  }

  /** Connections currently held open through the proxy. */
  get connections(): number {
    return this.#pairs.size;
  }

  /** `serviceUrl` with its host and port replaced by the proxy's (credentials, path kept). */
  url(serviceUrl: string): string {
    const u = new URL(serviceUrl);
    u.hostname = this.host;
    u.port = String(this.port);
    return u.toString();
  }

  cut(mode: CutMode = 'reset'): void {
    this.#state = mode;
    for (const p of [...this.#pairs]) {
      if (mode === 'reset') this.#drop(p, true);
      else this.#hold(p);
    }
  }

  restore(): void {
    this.#state = 'open';
    for (const p of this.#pairs) if (!p.piped) this.#pipe(p);
  }

  async close(): Promise<void> {
    for (const p of [...this.#pairs]) this.#drop(p, false);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    if (this.#state === 'reset') {
      client.on('error', () => {});
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(this.target);
    const pair: Pair = { client, upstream, piped: false };
    this.#pairs.add(pair);
    for (const s of [client, upstream]) {
      s.on('error', () => this.#drop(pair, false));
      s.on('close', () => this.#drop(pair, false));
    }
    if (this.#state === 'open') this.#pipe(pair);
    else this.#hold(pair);
  }

  #pipe(p: Pair): void {
    p.piped = true;
    p.client.pipe(p.upstream);
    p.upstream.pipe(p.client);
  }

  #hold(p: Pair): void {
    p.piped = false;
    p.client.unpipe(p.upstream);
    p.upstream.unpipe(p.client);
    p.client.pause();
    p.upstream.pause();
  }

  #drop(p: Pair, reset: boolean): void {
    if (!this.#pairs.delete(p)) return;
    if (reset && !p.client.destroyed) p.client.resetAndDestroy();
    else p.client.destroy();
    p.upstream.destroy();
  }
}
