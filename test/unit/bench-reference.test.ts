/**
 * The benchmark's reference (a minimal durable loop, bench/reference-server.ts) and the rounds it
 * shares with the pollcast scenarios: 201 once per voter and 409 after, each answered with a
 * content-length; stored rows equal the 201s; every pollcast scenario reported next to it as a
 * ratio. Asserts structure and counts, never a time or a speed.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, it } from 'node:test';
import type { BenchConfig, ScenarioContext } from '../../bench/bench-types.js';
import { startCeiling } from '../../bench/ceiling-target.js';
import { pickClosedLoopGenerator } from '../../bench/closed-loop-generator.js';
import { measureTogether } from '../../bench/measure-scenario.js';
import { createBenchPoll } from '../../bench/poll-api.js';
import { repoRoot } from '../../bench/repo-root.js';
import { formatReport, machineInfo } from '../../bench/report.js';
import { compareWithGoals, compareWithReference } from '../../bench/run-bench.js';
import { embeddedScenario } from '../../bench/scenarios/embedded-scenario.js';
import { postgres2Scenario } from '../../bench/scenarios/postgres-scenario.js';
import { referenceScenario } from '../../bench/scenarios/reference-scenario.js';
import { needServices } from '../support/services.js';

const root = repoRoot(import.meta.url);
const ctx: ScenarioContext = { root, log: () => {} };

function vote(url: string, pollId: string, voterId: string, optionId: string): Promise<{ status: number; contentLength: string | undefined; body: string }> {
  const body = JSON.stringify({ optionIds: [optionId], voterId });
  return new Promise((resolve, reject) => {
    const req = request(`${url}/v1/polls/${pollId}/votes`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, contentLength: res.headers['content-length'], body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('bench reference', { skip: await needServices('postgres') }, () => {
  it('answers 201 once per voter and 409 after, after COMMIT; stored rows equal the 201s', async () => {
    const target = await referenceScenario.start(ctx);
    try {
      const url = target.urls[0]!;
      const poll = await createBenchPoll(url);
      const first = await vote(url, poll.pollId, 'v-1', poll.optionIds[0]!);
      assert.equal(first.status, 201);
      assert.equal(first.contentLength, String(Buffer.byteLength(first.body)));
      const again = await vote(url, poll.pollId, 'v-1', poll.optionIds[1]!);
      assert.equal(again.status, 409);
      assert.ok(again.contentLength);
      assert.equal((await vote(url, poll.pollId, 'v-2', 'no-such-option')).status, 400);
      // 300 voters at once, each twice: the repeats land in the same batches as the first votes.
      const answers = await Promise.all(Array.from({ length: 600 }, (_, i) => vote(url, poll.pollId, `m-${i % 300}`, poll.optionIds[i % 4]!)));
      const created = answers.filter((a) => a.status === 201).length;
      assert.equal(created, 300, 'one 201 per voter');
      assert.equal(answers.filter((a) => a.status === 409).length, 300);
      const stored = await target.stored!(poll.pollId);
      assert.equal(stored.rows, 1 + created, 'stored rows = 201s');
    } finally {
      await target.stop();
    }
  });

  it('shares rounds with the pollcast scenarios and reports each next to it, stored = 2xx for all', async () => {
    const load = pickClosedLoopGenerator('autocannon');
    const config: BenchConfig = { durationSec: 0.4, runs: 2, connections: 8, warmupSec: 0.3, loadGenerator: load.name, generator: load.description };
    const ceiling = await startCeiling(root);
    try {
      const results = await measureTogether({ scenarios: [referenceScenario, embeddedScenario], ctx, ceiling, config, machine: machineInfo(), load });
      compareWithReference(results);
      // postgres-2's goal, lent to embedded here: the report puts the figure against it.
      assert.equal(postgres2Scenario.goal?.votesPerSec, 25_000);
      compareWithGoals(results, [{ ...embeddedScenario, goal: postgres2Scenario.goal! }]);
      assert.deepEqual(results.map((r) => r.scenario), ['reference', 'embedded']);
      for (const r of results) {
        assert.ok(r.verification.ok, `${r.scenario}: ${r.verification.detail}`);
        assert.equal(r.verification.source, 'database rows');
        assert.equal(r.runs.length, 2);
        assert.ok(r.halfCapacity, `${r.scenario}: latency at half capacity measured`);
      }
      const [ref, embedded] = results as [(typeof results)[0], (typeof results)[0]];
      assert.equal(ref.vsReference, undefined);
      const v = embedded.vsReference;
      assert.ok(v);
      assert.equal(v.reference.votesPerSec, ref.votesPerSec);
      assert.equal(v.votesPerSecRatio, Math.round((embedded.votesPerSec / ref.votesPerSec) * 1000) / 1000);
      assert.equal(v.perRoundVotesRatios.length, 2);
      const report = formatReport(results);
      assert.match(report, /pollcast vs the reference at 8 connections/);
      assert.match(report, /\nembedded\s+[\d,]+ \([\d,]+\) [\d.]+×\s+[\d.]+ \([\d.]+\) [\d.]+×/);
      assert.match(report, /reference verification: OK/);
      assert.match(report, /\nembedded: [\d,]+ votes\/s = [\d.]+ % of 25,000 votes\/s, the moonshot/);
      assert.equal(ref.goal, undefined);
    } finally {
      await ceiling.stop();
    }
  });
});
