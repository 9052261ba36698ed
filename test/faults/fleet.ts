/**
 * The fault matrix's fixture: a private PostgreSQL, Redis and NATS (test/support/own-servers.ts)
 * and pollcast processes on them (`serve` as child processes), so a case can crash any of them.
 *
 * Size: every case runs CI-sized in `npm test`; FAULTS_FULL=1 (`npm run test:faults`) runs the
 * sizes the matrix in docs/operations.md names. Figures: each case prints one line
 * `fault-figures {...}` (votes, acknowledged, lost, duplicated, unexpected, recovery) as a test
 * diagnostic, and appends it to FAULTS_REPORT when that is set (scripts/test-faults.mjs prints the
 * table from it).
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { createPoll } from '../support/app.js';
import { startChildApp, type ChildApp } from '../support/child-app.js';
import { haproxyBinary } from '../support/haproxy.js';
import { NATS_SERVER, PG_BIN, REDIS_SERVER, startOwnNats, startOwnPostgres, startOwnRedis, type OwnDaemon, type OwnPostgres } from '../support/own-servers.js';
import { needProgram } from '../support/services.js';
import { eventually, sleep } from '../support/eventually.js';
import { ReconnectingViewer } from '../support/reconnecting-sse.js';
import { checkVotes, type Figures } from '../support/vote-check.js';
import { runVoteLoad, writeJsonl, type Load } from '../support/vote-load.js';

export const FULL = process.env.FAULTS_FULL === '1';
export const size = <T>(ci: T, full: T): T => (FULL ? full : ci);
export const SCHEMA = 'pollcast';
/** Processes start from source (tsx) on two shared cores: give them time. */
export const READY_MS = 120_000;

/** Skip message (or throw under REQUIRE_SERVICES=1) when a server binary is missing. */
export function faultsSkip(opts: { haproxy?: boolean } = {}): false | string {
  return (
    needProgram('initdb', 'postgresql-15', ['--version'], [join(PG_BIN, 'initdb')]) ||
    needProgram('redis-server', 'redis-server', ['--version'], [REDIS_SERVER]) ||
    needProgram('nats-server', 'nats-server', ['--version'], [NATS_SERVER]) ||
    (opts.haproxy ? needProgram('haproxy', 'haproxy', ['-v'], [haproxyBinary() ?? '/usr/sbin/haproxy']) : false)
  );
}

export interface Fleet {
  pg: OwnPostgres;
  redis: OwnDaemon;
  nats: OwnDaemon;
  env: Record<string, string>;
  apps: ChildApp[];
  pgUrl: string;
  startApp(role?: 'all' | 'api' | 'realtime' | 'worker', extraEnv?: Record<string, string>, port?: number, waitReady?: boolean): Promise<ChildApp>;
  logs(): string;
  destroy(): Promise<void>;
}

/** `roles`: the processes to start (default two running every role); the first one migrates. */
export async function startFleet(opts: { roles?: Array<'all' | 'api' | 'realtime' | 'worker'>; env?: Record<string, string> } = {}): Promise<Fleet> {
  const [pg, redis, nats] = await Promise.all([startOwnPostgres(), startOwnRedis(), startOwnNats()]);
  const env = {
    DATABASE_URL: pg.url(SCHEMA),
    REDIS_URL: redis.url,
    NATS_URL: nats.url,
    POLLCAST_PREFIX: 'faults',
    LOG_LEVEL: 'warn',
    TRUST_PROXY: '127.0.0.1',
    SSE_RECONNECT_MS: '300',
    ...opts.env,
  };
  const apps: ChildApp[] = [];
  const fleet: Fleet = {
    pg,
    redis,
    nats,
    env,
    apps,
    pgUrl: pg.url(SCHEMA),
    async startApp(role = 'all', extraEnv = {}, port, waitReady = true) {
      const app = await startChildApp(role, { ...env, ...extraEnv }, READY_MS, port, waitReady);
      apps.push(app);
      return app;
    },
    logs() {
      return [
        ...apps.map((a) => `--- ${a.role} ${a.url}\n${a.output().slice(-2_000)}`),
        `--- postgres\n${pg.log().slice(-2_000)}`,
        `--- redis\n${redis.output().slice(-1_000)}`,
        `--- nats\n${nats.output().slice(-1_000)}`,
      ].join('\n');
    },
    async destroy() {
      await Promise.all(apps.map((a) => a.stop('SIGKILL', 1_000)));
      await Promise.allSettled([pg.destroy(), redis.destroy(), nats.destroy()]);
    },
  };
  try {
    // The first one migrates; the rest start together. `apps` keeps the order of `roles` (cases
    // index it: a worker pushed where a realtime process was expected once put HAProxy's stream
    // backend on the worker, whose 404s sent every viewer to the other process).
    const [first, ...rest] = opts.roles ?? ['all', 'all'];
    if (first) await fleet.startApp(first);
    const started = await Promise.allSettled(rest.map((role) => startChildApp(role, env, READY_MS)));
    for (const r of started) if (r.status === 'fulfilled') apps.push(r.value);
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  } catch (err) {
    await fleet.destroy();
    throw err;
  }
  return fleet;
}

export async function openPoll(url: string) {
  const { poll, ownerToken } = await createPoll(url, { identityMode: 'open', options: ['A', 'B', 'C'] });
  return { pollId: poll.id, ownerToken, optionIds: poll.options.map((o) => o.id) };
}

/** ms from `since` (absolute) until an attempt sent after it was acknowledged; -1 if none was. */
export function recoveryMs(load: Load, since: number): number {
  const rel = since - load.startedAt;
  const ok = load.attempts.filter((a) => a.status === 201 && a.at >= rel).map((a) => a.at + a.ms);
  return ok.length === 0 ? -1 : Math.min(...ok) - rel;
}

/** Prints the case's figures and asserts the invariants every case ends on. */
export function reportAndAssert(t: TestContext, name: string, f: Figures, load: Load, extra: Record<string, unknown>, logs: () => string): void {
  const line = {
    case: name,
    size: FULL ? 'full' : 'ci',
    votes: f.votes,
    acknowledged: f.acknowledged,
    inDoubt: f.inDoubt,
    rows: f.rows,
    lost: f.lost,
    duplicated: f.duplicated,
    unexpected: f.unexpected,
    otherAnswers: f.otherAnswers,
    attempts: load.attempts.length,
    convergedMs: f.convergedMs,
    ...extra,
  };
  t.diagnostic(`fault-figures ${JSON.stringify(line)}`);
  if (process.env.FAULTS_REPORT) appendFileSync(process.env.FAULTS_REPORT, JSON.stringify(line) + '\n');
  const problems = f.lost + f.duplicated + f.unexpected + f.otherAnswers;
  if (problems > 0 || f.convergedMs < 0) {
    const dir = mkdtempSync(join(tmpdir(), `pollcast-faults-${name.replace(/\W+/g, '-')}-`));
    writeJsonl(join(dir, 'votes.jsonl'), load.outcomes);
    t.diagnostic(`every request and outcome: ${join(dir, 'votes.jsonl')}`);
  }
  const why = `${JSON.stringify(f.examples)}\n${logs().slice(-6_000)}`;
  assert.equal(f.lost, 0, `lost acknowledged votes: ${why}`);
  assert.equal(f.duplicated, 0, `duplicated: ${why}`);
  assert.equal(f.unexpected, 0, `unexpected rows: ${why}`);
  assert.equal(f.otherAnswers, 0, `answers other than 201/409/in doubt: ${why}`);
  assert.ok(f.convergedMs >= 0, `total ${f.total}, tallies ${f.tally}, analytics ${f.analytics}, outbox ${f.outboxLeft} ≠ rows ${f.rows} within 10 s: ${why}`);
  assert.equal(f.acknowledged + f.inDoubt, f.votes, 'every vote is acknowledged or in doubt');
}

type Results = { version: number; total: number };

/** `n` live-results viewers spread over `urls`, reconnecting (with Last-Event-ID) as browsers do. */
export function openViewers(urls: string[], pollId: string, n: number): Array<ReconnectingViewer<Results>> {
  return Array.from({ length: n }, (_, i) => new ReconnectingViewer<Results>(`${urls[i % urls.length]}/v1/polls/${pollId}/results/stream`));
}

/** ms until every viewer shows `rows` as the total (within 5 s), or throws. */
export async function viewersConverge(viewers: Array<ReconnectingViewer<Results>>, rows: number): Promise<number> {
  const t0 = Date.now();
  try {
    await eventually(() => viewers.every((v) => v.current()?.total === rows), `every viewer shows the stored total ${rows}`, 5_000, 50);
  } catch (err) {
    throw new Error(`${(err as Error).message}; they show ${viewers.map((v) => v.current()?.total).join(', ')}`);
  }
  return Date.now() - t0;
}

export interface CaseOptions {
  name: string;
  /** Where votes go; called per attempt, so a case may change it mid-run. Default: every app. */
  targets?: () => string[];
  /** Where viewers connect; default the targets at the start. */
  viewerUrls?: string[];
  viewers?: number;
  votes: number;
  rate: number;
  /** Copies of each vote sent at once (same key and body); default 1. */
  copies?: number;
  /** Start the fault once this share of the votes is acknowledged (default 1/4). */
  faultAfter?: number;
  /** Does the fault; returns when it is over (server back) and extra figures to print. */
  fault(load: Load, viewers: Array<ReconnectingViewer<Results>>): Promise<{ endedAt: number; extra?: Record<string, unknown> }>;
  /** Further assertions on the outcomes (e.g. what clients were told during the fault). */
  check?(load: Load, f: Figures, poll: { pollId: string; ownerToken: string }): void | Promise<void>;
}

/** One fault case on a fresh poll: load, fault, check the rows, the totals and the viewers. */
export async function runCase(t: TestContext, fleet: Fleet, o: CaseOptions): Promise<Figures> {
  const targets = o.targets ?? (() => fleet.apps.map((a) => a.url));
  const poll = await openPoll(targets()[0]!);
  const viewers = openViewers(o.viewerUrls ?? targets(), poll.pollId, o.viewers ?? 4);
  try {
    const load = runVoteLoad({ targets, ...poll, votes: o.votes, rate: o.rate, copies: o.copies, label: `${o.name.replace(/\W+/g, '')}-` });
    while (load.acknowledged() < o.votes * (o.faultAfter ?? 0.25) && load.outcomes.length < o.votes) await sleep(20);
    const faultAt = Date.now();
    const { endedAt, extra } = await o.fault(load, viewers);
    await load.done;
    const f = await checkVotes(fleet.pgUrl, SCHEMA, poll.pollId, load.outcomes);
    const viewersMs = f.convergedMs >= 0 ? await viewersConverge(viewers, f.rows).catch((err: Error) => err.message) : 'not checked: totals never converged';
    reportAndAssert(t, o.name, f, load, { faultMs: endedAt - faultAt, recoveryMs: recoveryMs(load, endedAt), viewersMs, ...extra }, () => fleet.logs());
    assert.equal(typeof viewersMs, 'number', String(viewersMs));
    await o.check?.(load, f, poll);
    return f;
  } finally {
    await Promise.all(viewers.map((v) => v.close()));
  }
}

/** Attempts sent after `from` and answered before `to` (absolute ms). */
export function answeredBetween(load: Load, from: number, to: number) {
  return load.attempts.filter((a) => a.at >= from - load.startedAt && a.at + a.ms <= to - load.startedAt && a.status !== 0);
}

/**
 * Sends every acknowledged vote again (same key, same body) and returns the keys whose replay
 * was not byte-identical to the first answer (status and body).
 */
export async function replayDiffers(url: string, load: Load, ownerToken: string): Promise<string[]> {
  const acked = load.outcomes.filter((v) => v.status === 201);
  const differs: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let i = next++; i < acked.length; i = next++) {
        const v = acked[i]!;
        // A connection error is retried with the same key, as any client would (CI once saw a
        // kept-alive connection closed by the other side right after the SIGSTOP case): only the
        // answer that arrives is compared.
        let r: Response | null = null;
        let text = '';
        for (let attempt = 0; r === null; attempt++) {
          try {
            r = await fetch(`${url}/v1/polls/${v.poll}/votes`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${ownerToken}`, 'idempotency-key': v.key },
              body: JSON.stringify({ optionIds: [v.option], voterId: v.voter }),
            });
            text = await r.text();
          } catch (err) {
            r = null;
            if (attempt >= 4) throw err;
            await new Promise((res) => setTimeout(res, 100 * (attempt + 1)));
          }
        }
        if (r.status !== 201 || text !== v.body) differs.push(`${v.key}: first 201 ${v.body} · replay ${r.status} ${text}`);
      }
    }),
  );
  return differs;
}
