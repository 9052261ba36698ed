/**
 * One address cannot take the server off the air (issue 12, finding 1). Reproduced as found: with
 * HTTP_MAX_CONNECTIONS=30, one client opening live-results streams held every connection and the
 * next client's connection was closed at accept. Now, with only the global cap set (the per-address
 * caps and the health reserve follow it: 13 connections and 6 streams per address, 3 reserved):
 * - one address gets 6 streams, then 429 `too_many_streams`; its 14th connection is closed at accept;
 * - another address still connects, reads results and votes; /readyz answers;
 * - when many addresses fill the cap together, the last 3 slots still answer /readyz (and refuse
 *   anything else with 503 `too_many_connections`).
 * Clients are told apart by binding to 127.0.0.x (all loopback on Linux), or, behind a trusted
 * proxy, by X-Forwarded-For.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { addressKey, AddressCounter, trustedProxies } from '../../src/http/address-limits.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { callFrom, idleFrom, openFrom, type OpenStream } from '../support/from-address.js';
import type { Json } from '../support/json.js';

const LINUX = process.platform === 'linux';
const skipNoLoopbackRange = LINUX ? false : 'needs all of 127.0.0.0/8 on loopback (Linux)';
/** Idle sockets must outlive the test: no headers timeout cutting them first. */
const SLOW_TIMEOUTS = { HTTP_HEADERS_TIMEOUT_MS: '60000', REQUEST_TIMEOUT_MS: '60000' };

const stream = (pollId: string) => `/v1/polls/${pollId}/results/stream`;

async function createPollFrom(base: string, from: string): Promise<{ id: string; options: Array<{ id: string }> }> {
  const r = await callFrom(base, from, 'POST', '/v1/polls', { question: 'Tea or coffee?', options: ['Tea', 'Coffee'] });
  assert.equal(r.status, 201, r.text);
  return r.json.poll;
}

function tally(answers: Array<{ status: number; json: Json }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of answers) {
    const k = a.status === 0 ? 'closed' : `${a.status}${a.json?.code ? ' ' + a.json.code : ''}`;
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

describe('per-address limits: settings', () => {
  it('defaults follow HTTP_MAX_CONNECTIONS; explicit values win; 0 turns a cap off; contradictions are refused', () => {
    const pick = (c: ReturnType<typeof loadConfig>) => {
      const { maxConnections, healthReserveConnections, maxConnectionsPerAddress, maxStreamsPerAddress } = c.http;
      return { maxConnections, healthReserveConnections, maxConnectionsPerAddress, maxStreamsPerAddress };
    };
    // The default cap follows this machine's open-files limit (at most 20,000); the rest follow the cap.
    const cap = loadConfig({}).http.maxConnections;
    assert.ok(cap > 0 && cap <= 20_000, `default cap ${cap}`);
    assert.deepEqual(pick(loadConfig({})), pick(loadConfig({ HTTP_MAX_CONNECTIONS: String(cap) })));
    assert.deepEqual(pick(loadConfig({ HTTP_MAX_CONNECTIONS: '20000' })), { maxConnections: 20_000, healthReserveConnections: 16, maxConnectionsPerAddress: 2_000, maxStreamsPerAddress: 1_000 });
    assert.deepEqual(pick(loadConfig({ HTTP_MAX_CONNECTIONS: '30' })), { maxConnections: 30, healthReserveConnections: 3, maxConnectionsPerAddress: 13, maxStreamsPerAddress: 6 });
    assert.deepEqual(pick(loadConfig({ HTTP_MAX_CONNECTIONS: '0' })), { maxConnections: 0, healthReserveConnections: 0, maxConnectionsPerAddress: 2_000, maxStreamsPerAddress: 1_000 });
    assert.deepEqual(pick(loadConfig({ HTTP_MAX_CONNECTIONS_PER_ADDRESS: '0', HTTP_MAX_STREAMS_PER_ADDRESS: '0', HTTP_HEALTH_RESERVE_CONNECTIONS: '0' })), {
      maxConnections: cap,
      healthReserveConnections: 0,
      maxConnectionsPerAddress: 0,
      maxStreamsPerAddress: 0,
    });
    assert.deepEqual(pick(loadConfig({ HTTP_MAX_CONNECTIONS_PER_ADDRESS: '600' })), { maxConnections: cap, healthReserveConnections: 16, maxConnectionsPerAddress: 600, maxStreamsPerAddress: 300 });
    try {
      loadConfig({ HTTP_MAX_CONNECTIONS: '30', HTTP_HEALTH_RESERVE_CONNECTIONS: '30', HTTP_MAX_STREAMS_PER_ADDRESS: 'many' });
      assert.fail('should throw');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      const names = err.problems.map((p) => p.split(':')[0]);
      assert.ok(names.includes('HTTP_MAX_STREAMS_PER_ADDRESS'), names.join());
    }
    assert.throws(() => loadConfig({ HTTP_MAX_CONNECTIONS: '30', HTTP_HEALTH_RESERVE_CONNECTIONS: '30' }), /HTTP_HEALTH_RESERVE_CONNECTIONS: must be below HTTP_MAX_CONNECTIONS/);
    assert.throws(() => loadConfig({ HTTP_MAX_CONNECTIONS: '30', HTTP_MAX_CONNECTIONS_PER_ADDRESS: '28' }), /HTTP_MAX_CONNECTIONS_PER_ADDRESS: must not exceed .* \(27\)/);
  });

  it('addresses are counted as IPv4, IPv4-mapped as IPv4, IPv6 by /64; TRUST_PROXY names and CIDRs match peers', () => {
    assert.equal(addressKey('203.0.113.7'), '203.0.113.7');
    assert.equal(addressKey('::ffff:203.0.113.7'), '203.0.113.7');
    assert.equal(addressKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
    assert.equal(addressKey('2001:0db8:0001:0002:ffff:ffff:ffff:fffe'), '2001:db8:1:2::/64');
    assert.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64');
    assert.notEqual(addressKey('2001:db8:1:3::1'), addressKey('2001:db8:1:2::1'));
    const trusted = trustedProxies(['loopback', '10.1.0.0/16', '2001:db8::5']);
    for (const ip of ['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1', '10.1.200.3', '2001:db8::5']) assert.ok(trusted(ip), ip);
    for (const ip of ['10.2.0.1', '203.0.113.7', '2001:db8::6', undefined]) assert.ok(!trusted(ip), String(ip));
    assert.ok(!trustedProxies([])('127.0.0.1'));
    const c = new AddressCounter(2);
    assert.ok(c.acquire('a') && c.acquire('a') && !c.acquire('a') && c.acquire('b'));
    c.release('a');
    assert.ok(c.acquire('a'));
    assert.equal(c.count('b'), 1);
  });
});

describe('per-address limits: one address cannot take the server off the air', { skip: skipNoLoopbackRange }, () => {
  let t: TestApp;
  const held: OpenStream[] = [];
  before(async () => {
    t = await startTestApp({ HTTP_MAX_CONNECTIONS: '30', ...SLOW_TIMEOUTS });
  });
  after(async () => {
    await Promise.all(held.map((s) => s.close()));
    await t?.stop();
  });

  it('one client opening 40 streams gets 6; the next client still connects, reads and votes; /readyz answers', async () => {
    const poll = await createPollFrom(t.url, '127.0.0.3');
    const flood = await Promise.all(Array.from({ length: 40 }, () => openFrom(t.url, '127.0.0.2', 'GET', stream(poll.id))));
    held.push(...flood);
    // The finding: another client's new connection was closed at accept. Now it reads results and votes.
    const results = await callFrom(t.url, '127.0.0.3', 'GET', `/v1/polls/${poll.id}/results`);
    assert.equal(results.status, 200, results.error ?? results.text);
    const vote = await callFrom(t.url, '127.0.0.3', 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [poll.options[0]!.id] });
    assert.equal(vote.status, 201, vote.error ?? vote.text);
    const own = await openFrom(t.url, '127.0.0.3', 'GET', stream(poll.id));
    held.push(own);
    assert.equal(own.status, 200, own.error ?? own.text);
    const ready = await callFrom(t.url, '127.0.0.4', 'GET', '/readyz');
    assert.equal(ready.status, 200, ready.error ?? ready.text);

    // The flooding address: 6 streams, then 429 (or, past its 13 connections, closed at accept).
    const counts = tally(flood);
    assert.equal(counts['200'], 6, `6 streams for one address, then refusals: ${JSON.stringify(counts)}`);
    assert.ok((counts['429 too_many_streams'] ?? 0) >= 1, JSON.stringify(counts));
    assert.equal(Object.keys(counts).filter((k) => !['200', '429 too_many_streams', 'closed'].includes(k)).length, 0, JSON.stringify(counts));
    const refused = flood.find((a) => a.status === 429)!;
    assert.match(String(refused.headers['content-type']), /^application\/problem\+json/);
    assert.ok(Number(refused.headers['retry-after']) >= 10, `Retry-After ${refused.headers['retry-after']}`);
    assert.equal(refused.json.limit, 6);

    // Closing its streams gives the address its slots back.
    await Promise.all(flood.map((s) => s.close()));
    await eventually(async () => (await callFrom(t.url, '127.0.0.2', 'GET', stream(poll.id)).then((a) => a.status)) === 200, 'the address opens a stream again', 5_000, 50);
  });

  it("an address's connections beyond its cap (13) are closed at accept; other addresses are not affected", async () => {
    const mine = [];
    for (let i = 0; i < 13; i++) mine.push(await idleFrom(t.url, '127.0.0.5'));
    try {
      // The server has accepted all 13 once it answers a request queued behind them.
      assert.equal((await callFrom(t.url, '127.0.0.6', 'GET', '/healthz')).status, 200);
      const over = await idleFrom(t.url, '127.0.0.5');
      await Promise.race([over.closed, new Promise((_, rej) => setTimeout(() => rej(new Error('the 14th connection was not closed')), 5_000))]);
      assert.ok(over.closedByServer(), 'closed by the server');
      assert.ok(mine.every((c) => !c.closedByServer() && !c.socket.destroyed), 'the first 13 stay open');
      assert.equal((await callFrom(t.url, '127.0.0.6', 'GET', '/healthz')).status, 200, 'another address is served');
    } finally {
      for (const c of mine) c.socket.destroy();
    }
  });
});

describe('per-address limits: the health reserve', { skip: skipNoLoopbackRange }, () => {
  let t: TestApp;
  const held: OpenStream[] = [];
  before(async () => {
    t = await startTestApp({ HTTP_MAX_CONNECTIONS: '30', ...SLOW_TIMEOUTS });
  });
  after(async () => {
    await Promise.all(held.map((s) => s.close()));
    await t?.stop();
  });

  it('when six addresses fill the cap with streams, the last 3 slots refuse them (503) and /readyz still answers', async () => {
    const poll = await createPollFrom(t.url, '127.0.1.1');
    // Each address within its caps (6 streams); together more than the server holds.
    const addresses = Array.from({ length: 6 }, (_, i) => `127.0.2.${i + 1}`);
    const flood = await Promise.all(addresses.flatMap((a) => Array.from({ length: 6 }, () => openFrom(t.url, a, 'GET', stream(poll.id)))));
    held.push(...flood);
    const counts = tally(flood);
    assert.equal(counts['200'], 27, `streams take the 27 slots outside the reserve: ${JSON.stringify(counts)}`);
    assert.ok((counts['503 too_many_connections'] ?? 0) >= 1, JSON.stringify(counts));
    const refused = flood.find((a) => a.status === 503)!;
    assert.equal(refused.headers.connection, 'close');
    assert.ok(Number(refused.headers['retry-after']) >= 1);

    // The refused connections are closing as the flood settles; then the reserve has room again.
    await eventually(async () => (await callFrom(t.url, '127.0.1.2', 'GET', '/readyz')).status === 200, '/readyz answers from the reserve', 3_000, 50);
    for (const path of ['/readyz', '/healthz']) {
      const r = await callFrom(t.url, '127.0.1.2', 'GET', path);
      assert.equal(r.status, 200, `${path}: ${r.error ?? r.text}`);
      assert.equal(r.headers.connection, 'close', 'a reserved slot is given back at once');
    }
    const other = await callFrom(t.url, '127.0.1.2', 'GET', `/v1/polls/${poll.id}/results`);
    assert.equal(other.status, 503, other.error ?? other.text);
    assert.equal(other.json.code, 'too_many_connections');
  });
});

describe('per-address limits behind a trusted proxy', () => {
  let t: TestApp;
  const held: OpenStream[] = [];
  before(async () => {
    t = await startTestApp({ HTTP_MAX_CONNECTIONS: '30', TRUST_PROXY: '127.0.0.1', ...SLOW_TIMEOUTS });
  });
  after(async () => {
    await Promise.all(held.map((s) => s.close()));
    await t?.stop();
  });

  it('streams are counted by the client in X-Forwarded-For; the proxy itself is not held to the per-address connection cap', async () => {
    const poll = await createPollFrom(t.url, '127.0.0.1');
    const viaProxy = (client: string) => openFrom(t.url, '127.0.0.1', 'GET', stream(poll.id), undefined, { 'x-forwarded-for': client });
    // 20 connections from the proxy's one address (over 13), for 4 clients × 5 streams: all served.
    const ok = await Promise.all(['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4'].flatMap((c) => Array.from({ length: 5 }, () => viaProxy(c))));
    held.push(...ok);
    assert.deepEqual(tally(ok), { 200: 20 });
    // One client behind the proxy over its stream cap (6); another one still served.
    const more = [await viaProxy('203.0.113.1'), await viaProxy('203.0.113.1')];
    held.push(...more);
    assert.deepEqual(tally(more), { 200: 1, '429 too_many_streams': 1 });
    const other = await viaProxy('203.0.113.9');
    held.push(other);
    assert.equal(other.status, 200, other.error ?? other.text);
  });
});
