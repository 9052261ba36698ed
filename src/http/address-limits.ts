/**
 * Per-address limits, so that one address cannot take the server off the air by holding every
 * connection the global cap (HTTP_MAX_CONNECTIONS) allows, and a reserve that keeps health answering
 * when the cap is reached anyway (many addresses).
 *
 * Which limit lives where, and why:
 * - Connections per address are counted at accept, by the socket's peer address: before a request
 *   is read there is nothing else, and refusing there costs nothing (the socket is closed unread).
 *   A peer listed in TRUST_PROXY is exempt: every client behind it shares its address, and the
 *   proxy limits per source itself (deploy/haproxy, deploy/nginx).
 * - Live-results streams per address are counted at the route, by `req.ip`, which honours
 *   TRUST_PROXY: behind a trusted proxy, the real client's address.
 * - Both count per process, like HTTP_MAX_CONNECTIONS; an IPv6 address counts by its /64 (one
 *   host's usual allocation, so stepping through it gains nothing).
 * - The last HTTP_HEALTH_RESERVE_CONNECTIONS slots of the global cap take /healthz, /readyz and
 *   /metrics only: a connection accepted into them is answered there and closed; any other request
 *   on it gets 503 `too_many_connections`. Beyond the cap, connections are closed at accept (Node's
 *   server.maxConnections).
 */
import { BlockList, isIPv4, isIPv6, type Socket } from 'node:net';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from '../config.js';

/** Paths a connection in the health reserve may ask for. */
export const HEALTH_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

const RESERVED = Symbol('pollcast.healthReserve');
const LOG_EVERY_MS = 10_000;

/** The key an address is counted under: IPv4 as is (also when IPv4-mapped), IPv6 by its /64. */
export function addressKey(ip: string | undefined): string {
  if (!ip) return '';
  if (ip.startsWith('::ffff:') && isIPv4(ip.slice(7))) return ip.slice(7);
  if (!isIPv6(ip)) return ip;
  return `${expandIPv6(ip).slice(0, 4).join(':')}::/64`;
}

function expandIPv6(ip: string): string[] {
  const bare = ip.split('%')[0]!;
  const [head, tail] = bare.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.map((g) => (g.includes('.') ? g : g.replace(/^0+(?=.)/, '').toLowerCase()));
}

/** Open things counted per address; `acquire` says no once an address holds `limit` (0: no limit). */
export class AddressCounter {
  readonly #limit: number;
  readonly #open = new Map<string, number>();

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Takes one slot for `key`, or returns false when it holds `limit` already. */
  acquire(key: string): boolean {
    const n = this.#open.get(key) ?? 0;
    if (this.#limit > 0 && n >= this.#limit) return false;
    this.#open.set(key, n + 1);
    return true;
  }

  release(key: string): void {
    const n = this.#open.get(key) ?? 0;
    if (n <= 1) this.#open.delete(key);
    else this.#open.set(key, n - 1);
  }

  count(key: string): number {
    return this.#open.get(key) ?? 0;
  }
}

/** The TRUST_PROXY list as a matcher of peer addresses (the same names proxy-addr, and so Fastify, knows). */
export function trustedProxies(list: readonly string[]): (ip: string | undefined) => boolean {
  if (list.length === 0) return () => false;
  const blocks = new BlockList();
  const add = (cidr: string) => {
    const [net, bits] = cidr.split('/') as [string, string | undefined];
    const type = isIPv4(net) ? 'ipv4' : 'ipv6';
    if (bits === undefined) blocks.addAddress(net, type);
    else blocks.addSubnet(net, Number(bits), type);
  };
  for (const entry of list) for (const cidr of NAMED_RANGES[entry] ?? [entry]) add(cidr);
  return (ip) => {
    if (!ip) return false;
    const v4 = ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
    return blocks.check(v4, isIPv4(v4) ? 'ipv4' : 'ipv6');
  };
}

const NAMED_RANGES: Record<string, string[]> = {
  loopback: ['127.0.0.1/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/** True for a connection accepted into the health reserve. */
export function inHealthReserve(socket: Socket | null | undefined): boolean {
  return (socket as (Socket & { [RESERVED]?: true }) | null | undefined)?.[RESERVED] === true;
}

/**
 * Counts the server's connections, closes at accept those over the per-address cap, and marks those
 * taking the last slots of the global cap as health-only. Sets server.maxConnections.
 */
export function limitConnections(server: Server, config: Readonly<Config>, log: Logger): void {
  const { maxConnections, healthReserveConnections, maxConnectionsPerAddress, trustProxy } = config.http;
  if (maxConnections > 0) server.maxConnections = maxConnections;
  const perAddress = new AddressCounter(maxConnectionsPerAddress);
  const trusted = trustedProxies(trustProxy);
  const reserveFrom = maxConnections - healthReserveConnections;
  let open = 0;
  let refused = 0;
  let lastLog = 0;
  server.on('connection', (socket: Socket) => {
    const peer = socket.remoteAddress;
    const key = addressKey(peer);
    const counted = maxConnectionsPerAddress > 0 && !trusted(peer);
    if (counted && !perAddress.acquire(key)) {
      refused += 1;
      const now = Date.now();
      if (now - lastLog >= LOG_EVERY_MS) {
        log.warn({ address: key, limit: maxConnectionsPerAddress, refused }, 'connections over the per-address cap closed at accept');
        lastLog = now;
        refused = 0;
      }
      socket.destroy();
      return;
    }
    open += 1;
    if (healthReserveConnections > 0 && open > reserveFrom) (socket as Socket & { [RESERVED]?: true })[RESERVED] = true;
    socket.once('close', () => {
      open -= 1;
      if (counted) perAddress.release(key);
    });
  });
}
