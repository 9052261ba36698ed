/**
 * `pollcast serve --processes 2` on PostgreSQL + Redis + NATS: two worker processes share one
 * port (each /readyz names its pid), votes through it are stored once, a worker killed with
 * kill -9 is replaced, and SIGTERM drains every worker and exits 0.
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

  it('two processes share the port, votes are stored once, a killed process is replaced, SIGTERM drains all and exits 0', async (t) => {
    const first = await eventually(async () => {
      const p = await pidsAnswering(server.url);
      return p.size === 2 ? p : undefined;
    }, 'both processes answer on the shared port', 60_000, 100);
    assert.ok(![...first].includes(server.child.pid!), 'the supervisor serves nothing itself');

    const { poll, ownerToken } = await createPoll(server.url, { identityMode: 'open', options: ['A', 'B'] });
    let acked = 0;
    await Promise.all(
      Array.from({ length: 4 }, async (_, loop) => {
        for (let i = 0; i < 25; i++) {
          const r = await call(server.url, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [poll.options[i % 2]!.id], voterId: `p${loop}-${i}` }, voteHeaders(ownerToken));
          assert.equal(r.status, 201, r.text);
          acked++;
        }
      }),
    );
    const [row] = await adminQuery<{ n: number }>(`SELECT count(*)::int AS n FROM "${slice.schema}".votes WHERE poll_id = $1`, [poll.id]);
    assert.equal(row!.n, acked);

    const [victim] = [...first];
    process.kill(victim!, 'SIGKILL');
    const replaced = await eventually(async () => {
      const p = await pidsAnswering(server.url);
      return p.size === 2 && !p.has(victim!) ? p : undefined;
    }, 'a new process replaces the killed one', 60_000, 100);
    t.diagnostic(`processes ${[...first].join(', ')} → ${[...replaced].join(', ')} after kill -9 of ${victim}`);
    assert.match(server.output(), /worker died; starting another/);

    const exit = await server.stop('SIGTERM');
    assert.deepEqual(exit, { code: 0, signal: null }, server.output().slice(-3_000));
    for (const pid of replaced) assert.ok(!alive(pid), `process ${pid} has exited`);
  });
});
