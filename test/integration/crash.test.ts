/**
 * Crash: `kill -9` the real server (a child process) in the middle of a stream of votes, restart it
 * on the same data directory, and check invariants 1 and 2 by counting rows: every vote that got a
 * 201 is there with its receipt, the tally equals the stored rows, and no voter is counted twice.
 * Votes that were in flight when the process died may or may not be stored; nothing else may be.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { call, createPoll, voteHeaders } from '../support/app.js';

const LOOPS = 8;
/** Kill once this many votes were acknowledged (and at least KILL_AFTER_MS of streaming passed). */
const KILL_AFTER_ACKS = 300;
const KILL_AFTER_MS = 400;

interface Server {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** `pollcast serve` as a child process, from source. */
async function startServer(dataDir: string, sync: 'normal' | 'full'): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
    cwd: process.cwd(),
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', EMBEDDED_SYNC: sync },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  let dead = false;
  void exited.then(() => (dead = true));
  for (;;) {
    if (dead) throw new Error(`server exited before it was ready:\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server not ready within 30 s:\n${out}`);
    }
    try {
      const r = await fetch(url + '/readyz', { signal: AbortSignal.timeout(1_000) });
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, url, output: () => out, exited };
}

async function crashRound(t: TestContext, sync: 'normal' | 'full'): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pollcast-crash-'));
  let server: Server | null = null;
  try {
    server = await startServer(dataDir, sync);
    const created = await createPoll(server.url, { identityMode: 'open', options: ['A', 'B', 'C'] });
    const pollId = created.poll.id;
    const optionIds = created.poll.options.map((o) => o.id);

    const acked = new Map<string, string>(); // voterId → receiptId
    const sent = new Set<string>();
    const otherAnswers: string[] = [];
    let streaming = true;
    const url = server.url;
    const loop = async (n: number) => {
      for (let i = 0; streaming; i++) {
        const voterId = `v${n}-${i}`;
        sent.add(voterId);
        let status: number;
        let text: string;
        try {
          const r = await fetch(`${url}/v1/polls/${pollId}/votes`, {
            method: 'POST',
            headers: voteHeaders(created.ownerToken, { 'content-type': 'application/json' }),
            body: JSON.stringify({ optionIds: [optionIds[i % optionIds.length]], voterId }),
            signal: AbortSignal.timeout(10_000),
          });
          status = r.status;
          text = await r.text();
        } catch {
          return; // the server is gone: this vote's fate is unknown to the client
        }
        if (status === 201) acked.set(voterId, (JSON.parse(text) as { receiptId: string }).receiptId);
        else otherAnswers.push(`${status} ${text}`);
      }
    };
    const started = Date.now();
    const loops = Array.from({ length: LOOPS }, (_, n) => loop(n));
    const killAt = Date.now() + 15_000;
    while ((acked.size < KILL_AFTER_ACKS || Date.now() - started < KILL_AFTER_MS) && Date.now() < killAt) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(acked.size >= KILL_AFTER_ACKS, `only ${acked.size} votes acknowledged in 15 s; other answers: ${otherAnswers.slice(0, 3).join(' | ')}`);
    server.child.kill('SIGKILL');
    const exit = await server.exited;
    assert.equal(exit.signal, 'SIGKILL');
    streaming = false;
    await Promise.all(loops);
    assert.deepEqual(otherAnswers, [], 'every vote before the crash was a new voter: only 201s expected');

    server = await startServer(dataDir, sync);
    const restarted = server.url;

    // Every acknowledged vote is there, with the receipt the voter was given.
    const entries = [...acked];
    const missing: string[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let e = entries.pop(); e; e = entries.pop()) {
          const [voterId, receiptId] = e;
          const r = await call(restarted, 'GET', `/v1/polls/${pollId}/votes/me?voterId=${encodeURIComponent(voterId)}`, undefined, voteHeaders(created.ownerToken));
          if (r.status !== 200 || r.json.receiptId !== receiptId) missing.push(`${voterId}: ${r.status} ${r.text}`);
        }
      }),
    );
    assert.deepEqual(missing, [], `${missing.length} acknowledged votes lost of ${acked.size}`);
    const results = await call(restarted, 'GET', `/v1/polls/${pollId}/results`);
    assert.equal(results.status, 200);

    // Graceful stop, then count rows in the file itself.
    server.child.kill('SIGTERM');
    assert.deepEqual(await server.exited, { code: 0, signal: null }, server.output());
    server = null;
    const db = new Database(join(dataDir, 'pollcast.db'), { readonly: true, fileMustExist: true });
    try {
      const rows = db.prepare('SELECT voter_id, receipt_id FROM votes WHERE poll_id = ?').all(pollId) as Array<{ voter_id: string; receipt_id: string }>;
      const distinct = db.prepare('SELECT count(DISTINCT voter_id) FROM votes WHERE poll_id = ?').pluck().get(pollId) as number;
      const tallySum = db.prepare('SELECT coalesce(sum(votes), 0) FROM tallies WHERE poll_id = ?').pluck().get(pollId) as number;
      const pollTotal = db.prepare('SELECT total FROM polls WHERE id = ?').pluck().get(pollId) as number;

      assert.equal(distinct, rows.length, 'a voter is counted twice');
      assert.equal(pollTotal, rows.length, 'poll total differs from stored vote rows');
      assert.equal(tallySum, rows.length, 'per-option tallies differ from stored vote rows (single-choice poll)');
      assert.equal(results.json.total, rows.length, 'results API total differs from stored vote rows');
      assert.ok(rows.length >= acked.size, `stored ${rows.length} < acknowledged ${acked.size}`);
      // Only votes that were sent may be stored; those beyond the 201s were in flight at the kill.
      const byVoter = new Map(rows.map((r) => [r.voter_id, r.receipt_id]));
      for (const voterId of byVoter.keys()) assert.ok(voterId.startsWith('o:') && sent.has(voterId.slice(2)), `unexpected stored voter ${voterId}`);
      for (const [voterId, receiptId] of acked) assert.equal(byVoter.get('o:' + voterId), receiptId);
      t.diagnostic(`sent ${sent.size}, acknowledged ${acked.size}, stored ${rows.length} (${rows.length - acked.size} in flight at the kill)`);
      assert.ok(rows.length - acked.size <= LOOPS, `${rows.length - acked.size} unacknowledged votes stored; at most ${LOOPS} were in flight`);
    } finally {
      db.close();
    }
  } finally {
    if (server && server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('crash: kill -9 during a vote stream, restart on the same data dir', () => {
  test('EMBEDDED_SYNC=normal: every 201 survives, counted once', { timeout: 60_000 }, (t) => crashRound(t, 'normal'));
  test('EMBEDDED_SYNC=full: every 201 survives, counted once', { timeout: 60_000 }, (t) => crashRound(t, 'full'));
});
