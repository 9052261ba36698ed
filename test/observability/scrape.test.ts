/**
 * A real scrape: Debian's Prometheus scrapes running pollcast processes every second, and the vote
 * counters it stored — read back through its HTTP API — equal the votes cast. Prometheus also
 * loads deploy/prometheus/rules.yml and evaluates every query of the Grafana dashboard. With the
 * distributed services, a `--processes 2` cluster is scraped too: whichever worker answers a
 * scrape, the counter is the group's total.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { call, createPoll, startTestApp, voteHeaders, type TestApp } from '../support/app.js';
import { startChildApp, type ChildApp } from '../support/child-app.js';
import { distributedSlice, type DistributedSlice } from '../support/distributed.js';
import { eventually } from '../support/eventually.js';
import { needServices } from '../support/services.js';
import { needBinary, startPrometheus, type PrometheusServer } from './prometheus-server.js';

const N = 40;
const RULES = resolve('deploy/prometheus/rules.yml');

/** Casts `n` distinct votes and `dupes` repeated ones; returns how many got 201 and 409. */
async function castVotes(url: string, n: number, dupes: number, voterPrefix: string): Promise<{ counted: number; already: number }> {
  const { poll, ownerToken } = await createPoll(url, { identityMode: 'open' });
  const ids = poll.options.map((o) => o.id);
  let counted = 0;
  let already = 0;
  const one = async (voter: string, i: number) => {
    const r = await call(url, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [ids[i % ids.length]!], voterId: voter }, voteHeaders(ownerToken));
    if (r.status === 201) counted++;
    else if (r.status === 409) already++;
    else assert.fail(`unexpected ${r.status} ${r.text}`);
  };
  // Concurrent, so they share group-commit batches as real traffic does.
  await Promise.all(Array.from({ length: n }, (_, i) => one(`${voterPrefix}${i}`, i)));
  for (let i = 0; i < dupes; i++) await one(`${voterPrefix}${i}`, i + 1);
  return { counted, already };
}

const hostPort = (url: string) => new URL(url).host;

/** GET on a new connection each time: a node:cluster primary hands connections, not requests, to workers. */
function getFresh(url: string): Promise<string> {
  return new Promise((resolveBody, reject) => {
    const req = httpGet(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolveBody(body));
    });
    req.on('error', reject);
  });
}

describe('Prometheus scrapes pollcast (embedded, one process)', () => {
  const skip = needBinary('prometheus');
  let t: TestApp;
  let prom: PrometheusServer;
  before(async () => {
    if (skip) return;
    t = await startTestApp();
    prom = await startPrometheus({ targets: [{ job: 'pollcast', target: hostPort(t.url) }], ruleFiles: [RULES] });
  });
  after(async () => {
    await prom?.stop();
    await t?.stop();
  });

  it(`the vote counter Prometheus scraped equals the ${N} votes cast`, { skip }, async () => {
    await eventually(async () => (await prom.query('up{job="pollcast"}'))[0]?.value === 1, 'the target is up', 20_000, 250);
    const { counted, already } = await castVotes(t.url, N, 3, 'voter');
    assert.equal(counted, N);
    assert.equal(already, 3);
    // One instant query, so every figure comes from the same scrape; wait for one taken after
    // the last vote was answered.
    const figures = async () => {
      const rows = await prom.query('{__name__=~"pollcast_votes_accepted_total|pollcast_votes_rejected_total|pollcast_http_requests_total",job="pollcast"}');
      const sum = (pick: (m: Record<string, string>) => boolean) => rows.filter((r) => pick(r.metric)).reduce((a, r) => a + r.value, 0);
      return {
        accepted: sum((m) => m.__name__ === 'pollcast_votes_accepted_total'),
        alreadyVoted: sum((m) => m.__name__ === 'pollcast_votes_rejected_total' && m.reason === 'already_voted'),
        answered: sum((m) => m.__name__ === 'pollcast_http_requests_total' && m.route === '/v1/polls/:pollId/votes' && m.method === 'POST'),
      };
    };
    const want = { accepted: N, alreadyVoted: 3, answered: N + 3 };
    let seen = await figures();
    await eventually(async () => {
      seen = await figures();
      return seen.answered === N + 3;
    }, 'Prometheus scraped every vote answer', 20_000, 250);
    assert.deepEqual(seen, want);
  });

  it('loads the alerting rules and evaluates every dashboard query without error', { skip }, async () => {
    const rules = (await (await fetch(prom.url + '/api/v1/rules')).json()) as { data: { groups: Array<{ name: string; rules: Array<{ name: string; health: string; lastError?: string }> }> } };
    const loaded = rules.data.groups.flatMap((g) => g.rules);
    assert.ok(loaded.length >= 20, `rules loaded: ${loaded.length}`);
    // The alert group runs every second here; the recording group keeps its own 30 s interval and
    // may not have run yet, but no rule may ever be in error.
    await eventually(async () => {
      const r = (await (await fetch(prom.url + '/api/v1/rules')).json()) as typeof rules;
      const all = r.data.groups.flatMap((g) => g.rules);
      assert.deepEqual(all.filter((x) => x.health === 'err').map((x) => `${x.name}: ${x.lastError}`), []);
      return r.data.groups.find((g) => g.name === 'pollcast-alerts')!.rules.every((x) => x.health === 'ok');
    }, 'every alert rule evaluated', 20_000, 250);

    const dashboard = JSON.parse(readFileSync('deploy/grafana/pollcast.json', 'utf8')) as { panels: Array<{ title: string; targets?: Array<{ expr: string }> }> };
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((x) => ({ panel: p.title, expr: x.expr })));
    assert.ok(exprs.length >= 30, 'exprs.length >= 30');
    for (const { panel, expr } of exprs) {
      const q = expr.replaceAll('$job', '.*').replaceAll('$instance', '.*').replaceAll('$__rate_interval', '1m');
      await prom.query(q).catch((err: Error) => assert.fail(`${panel}: ${err.message}`));
    }
  });
});

describe('Prometheus scrapes a --processes 2 cluster (PostgreSQL, Redis)', async () => {
  const skip = needBinary('prometheus') || (await needServices('postgres', 'redis'));
  let slice: DistributedSlice;
  let cluster: ChildApp;
  let prom: PrometheusServer;
  before(async () => {
    if (skip) return;
    slice = distributedSlice('pollcast_scrape');
    // api + realtime only: no broker needed; the two workers share the port.
    cluster = await startChildApp('api', { ...slice.env, NATS_URL: '', POLLCAST_PROCESSES: '2' }, 60_000);
    prom = await startPrometheus({ targets: [{ job: 'pollcast-api', target: hostPort(cluster.url) }] });
  });
  after(async () => {
    await prom?.stop();
    await cluster?.stop();
    await slice?.cleanup();
  });

  it('every scrape, whichever worker answers, shows the group’s total', { skip }, async () => {
    const { counted } = await castVotes(cluster.url, N, 0, 'cv');
    assert.equal(counted, N);
    // Both workers serve (new connections go round robin)…
    const pids = new Set<number>();
    await eventually(async () => {
      pids.add((JSON.parse(await getFresh(cluster.url + '/readyz')) as { pid: number }).pid);
      return pids.size >= 2;
    }, 'two workers answer', 20_000, 50);
    // …and every scrape, on whichever of them, has the whole group's count.
    for (let i = 0; i < 6; i++) {
      const text = await getFresh(cluster.url + '/metrics');
      assert.equal(text.split('\n').find((l) => l.startsWith('pollcast_votes_accepted_total')), `pollcast_votes_accepted_total ${N}`);
    }
    await eventually(async () => (await prom.query('sum(pollcast_votes_accepted_total{job="pollcast-api"})'))[0]?.value === N, `Prometheus holds ${N}`, 20_000, 250);
  });
});
