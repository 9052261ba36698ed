/**
 * `pollcast serve --processes 2` on PostgreSQL + Redis + NATS: two worker processes share one
 * port (each /readyz names its pid), a worker killed with kill -9 in the middle of a vote stream
 * is replaced, every acknowledged vote has its row afterwards (with its receipt), no row is one
 * nobody sent or was told about, tallies equal rows, and SIGTERM drains every worker and exits 0.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { call, createPoll, voteHeaders } from '../support/app.js';
import { startChildApp, type ChildApp } from '../support/child-app.js';
import { distributedSlice, type DistributedSlice } from '../support/distributed.js';
import { eventually } from '../support/eventually.js';
import { adminQuery } from '../support/postgres.js';
import { needServices } from '../support/services.js';

const skip = await needServices('postgres', 'redis', 'nats');

/** /readyz over a new connection (so the cluster's round robin picks anew): the pid that answered. */
function readyPid(url: string): Promise<number | null> {
  return new Promise((resolve) => {
    const req = request(`${url}/readyz`, { agent: false, timeout: 2_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => {
        try {
          resolve(res.statusCode === 200 ? (JSON.parse(body) as { pid: number }).pid : null);
        } catch {
          resolve(null);
        }
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
    req.end();
  });
}

async function pidsAnswering(url: string, tries = 20): Promise<Set<number>> {
  const pids = new Set<number>();
  for (let i = 0; i < tries; i++) {
    const pid = await readyPid(url);
    if (pid !== null) pids.add(pid);
  }
  return pids;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('serve --processes 2 (node:cluster)', { skip, timeout: 120_000 }, () => {
  let slice: DistributedSlice;
  let server: ChildApp;

  before(async () => {
    slice = distributedSlice('pollcast_procs');
    server = await startChildApp('all', { ...slice.env, POLLCAST_PROCESSES: '2', LOG_LEVEL: 'info' }, 90_000);
  });

  after(async () => {
    await server?.stop('SIGKILL', 1_000);
    await slice?.cleanup();
  });

  it('two processes share the port; kill -9 of one mid-stream loses no acknowledged vote and adds no unexpected one; SIGTERM drains all and exits 0', async (t) => {
    const first = await eventually(async () => {
      const p = await pidsAnswering(server.url);
      return p.size === 2 ? p : undefined;
    }, 'both processes answer on the shared port', 60_000, 100);
    assert.ok(![...first].includes(server.child.pid!), 'the supervisor serves nothing itself');

    // A vote stream runs across the kill: every request's outcome is recorded (201, another
    // status, or no answer — in doubt), so afterwards the rows can be checked against exactly
    // what clients were told, including the votes in flight on the killed process.
    const { poll, ownerToken } = await createPoll(server.url, { identityMode: 'open', options: ['A', 'B'] });
    const acked = new Map<string, string>(); // voterId → receiptId
    const inDoubt = new Set<string>(); // sent, no answer (the connection died with its process)
    const otherAnswers: string[] = [];
    let streaming = true;
    const loops = Array.from({ length: 4 }, async (_, loop) => {
      for (let i = 0; streaming; i++) {
        const voterId = `p${loop}-${i}`;
        try {
          const r = await call(server.url, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [poll.options[i % 2]!.id], voterId }, voteHeaders(ownerToken));
          if (r.status === 201) acked.set(voterId, (r.json as { receiptId: string }).receiptId);
          else otherAnswers.push(`${voterId}: ${r.status} ${r.text}`);
        } catch {
          inDoubt.add(voterId);
          await new Promise((res) => setTimeout(res, 20));
        }
      }
    });
    await eventually(async () => acked.size >= 100 || undefined, '100 votes acknowledged before the kill', 30_000, 20);

    const [victim] = [...first];
    process.kill(victim!, 'SIGKILL');
    const replaced = await eventually(async () => {
      const p = await pidsAnswering(server.url);
      return p.size === 2 && !p.has(victim!) ? p : undefined;
    }, 'a new process replaces the killed one', 60_000, 100);
    const ackedAtReplace = acked.size;
    await eventually(async () => acked.size >= ackedAtReplace + 50 || undefined, '50 more votes acknowledged after the replacement', 30_000, 20);
    streaming = false;
    await Promise.all(loops);
    t.diagnostic(`processes ${[...first].join(', ')} → ${[...replaced].join(', ')} after kill -9 of ${victim}; acknowledged ${acked.size}, in doubt ${inDoubt.size}`);
    assert.match(server.output(), /worker died; starting another/);
    assert.deepEqual(otherAnswers, [], 'every voter is new: only 201s (or no answer) expected');

    const rows = await adminQuery<{ voter_id: string; receipt_id: string }>(`SELECT voter_id, receipt_id FROM "${slice.schema}".votes WHERE poll_id = $1`, [poll.id]);
    const byVoter = new Map(rows.map((r) => [r.voter_id.replace(/^o:/, ''), r.receipt_id]));
    assert.equal(byVoter.size, rows.length, 'no voter has two rows');
    const lost = [...acked].filter(([v, receipt]) => byVoter.get(v) !== receipt).map(([v]) => v);
    assert.deepEqual(lost, [], `acknowledged votes without their row (of ${acked.size})`);
    const unexpected = [...byVoter.keys()].filter((v) => !acked.has(v) && !inDoubt.has(v));
    assert.deepEqual(unexpected, [], 'rows nobody was told about that were not in doubt');
    const [poll_] = await adminQuery<{ total: string }>(`SELECT total FROM "${slice.schema}".polls WHERE id = $1`, [poll.id]);
    const [tally] = await adminQuery<{ n: string }>(`SELECT coalesce(sum(votes), 0) AS n FROM "${slice.schema}".tallies WHERE poll_id = $1`, [poll.id]);
    assert.equal(Number(poll_!.total), rows.length, 'poll total = rows');
    assert.equal(Number(tally!.n), rows.length, 'tallies = rows');

    const exit = await server.stop('SIGTERM');
    assert.deepEqual(exit, { code: 0, signal: null }, server.output().slice(-3_000));
    for (const pid of replaced) assert.ok(!alive(pid), `process ${pid} has exited`);
  });
});
