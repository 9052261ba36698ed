/**
 * Fault matrix — api processes behind the shipped HAProxy config (two pollcast processes, each
 * running every role, on a private PostgreSQL, Redis and NATS), clients talking only to HAProxy:
 * - api kill -9 mid-surge: one process is killed with SIGKILL and restarted on its port 5 s later;
 * - api SIGSTOP: one process is stopped for 10 s (connections open, nothing answered), then
 *   continued; clients time out and retry with the same key, landing on the other process;
 * - scale out under load: a third process joins mid-run on the slot HAProxy already lists (down
 *   until then) and takes traffic, then one of the first two is drained with SIGTERM.
 * Each ends with lost = 0, duplicated = 0, unexpected = 0, totals = rows within 10 s, viewers on
 * the stored total within 5 s — and every acknowledged key, sent again, gets a byte-identical answer.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { eventually, sleep } from '../support/eventually.js';
import { startHaproxy, type Haproxy } from '../support/haproxy.js';
import { freePort } from '../support/postgres.js';
import { faultsSkip, replayDiffers, runCase, size, startFleet, type Fleet } from './fleet.js';

const skip = faultsSkip({ haproxy: true });
const CHECK = { inter: '500ms', fall: 2, rise: 1 };

describe('fault matrix: api processes behind HAProxy', { skip, timeout: 1_800_000 }, () => {
  let fleet: Fleet;
  let lb: Haproxy;
  let spare: number;
  let placeholder: Server | undefined;
  before(async () => {
    // SHUTDOWN_DELAY_MS ≥ (fall + 1) × inter: a draining process is out of HAProxy before it refuses.
    fleet = await startFleet({ env: { SHUTDOWN_DELAY_MS: '2000' } });
    spare = await freePort();
    // Held until the third process takes it, so no other test's process can get this port (and
    // HAProxy's traffic) meanwhile; every connection is closed at once, so its checks fail: DOWN.
    placeholder = createServer((sock) => sock.destroy()).listen(spare, '127.0.0.1');
    const hosts = [...fleet.apps.map((a) => new URL(a.url).host), `127.0.0.1:${spare}`];
    lb = await startHaproxy({ servers: { api: hosts, realtime: hosts }, check: CHECK });
  });
  after(async () => {
    placeholder?.close();
    await lb?.stop();
    await fleet?.destroy();
  });

  const replayIdentical = async (load: Parameters<typeof replayDiffers>[1], poll: { ownerToken: string }) => {
    const differs = await replayDiffers(lb.url, load, poll.ownerToken);
    assert.deepEqual(differs.slice(0, 5), [], `${differs.length} replays differ from the first answer`);
  };

  it('api kill -9 mid-surge, restarted after 5 s: nothing lost, doubled or unexpected; replays identical', async (t) => {
    await runCase(t, fleet, {
      name: 'api kill -9 behind HAProxy',
      targets: () => [lb.url],
      votes: size(20_000, 100_000),
      rate: size(2_000, 2_000),
      async fault() {
        const victim = fleet.apps[1]!;
        const port = Number(new URL(victim.url).port);
        await victim.stop('SIGKILL');
        fleet.apps.splice(fleet.apps.indexOf(victim), 1);
        await sleep(5_000);
        await fleet.startApp('all', {}, port);
        return { endedAt: Date.now() };
      },
      check: (load, _f, poll) => replayIdentical(load, poll),
    });
  });

  it('api SIGSTOP for 10 s: clients retry on the other with the same key; nothing lost, doubled or unexpected; replays identical', async (t) => {
    await runCase(t, fleet, {
      name: 'api SIGSTOP behind HAProxy',
      targets: () => [lb.url],
      votes: size(12_000, 20_000),
      rate: size(1_000, 1_000),
      async fault() {
        const pid = fleet.apps[0]!.child.pid!;
        process.kill(pid, 'SIGSTOP');
        try {
          await sleep(10_000);
        } finally {
          process.kill(pid, 'SIGCONT');
        }
        return { endedAt: Date.now() };
      },
      check: (load, _f, poll) => replayIdentical(load, poll),
    });
  });

  it('scale out under load: a third process joins and takes traffic; a SIGTERM drain loses nothing', async (t) => {
    let joined = 0;
    await runCase(t, fleet, {
      name: 'scale out under load',
      targets: () => [lb.url],
      // A long, gentle load: it must outlast the third process's start (tsx, on a loaded machine).
      votes: size(4_000, 60_000),
      rate: size(60, 1_000),
      faultAfter: 0.05,
      async fault(load) {
        await new Promise((r) => placeholder!.close(r));
        const third = await fleet.startApp('all', {}, spare);
        await eventually(async () => (await lb.serverStatus('api', 'api3')).startsWith('UP'), 'HAProxy routes to the third process', 30_000, 100);
        const before = load.acknowledged();
        await eventually(() => load.acknowledged() > before + 100, '100 more votes with three processes', 60_000, 50);
        const served = Number((await lb.stats()).find((r) => r.pxname === 'api' && r.svname === 'api3')?.stot ?? 0);
        joined = served;
        // Drain one of the first two: SIGTERM, /readyz fails, HAProxy stops routing, then it exits 0.
        const leaving = fleet.apps.find((a) => a !== third)!;
        const exit = await leaving.stop('SIGTERM');
        assert.deepEqual(exit, { code: 0, signal: null }, leaving.output().slice(-2_000));
        fleet.apps.splice(fleet.apps.indexOf(leaving), 1);
        return { endedAt: Date.now(), extra: { requestsToThird: served } };
      },
    });
    assert.ok(joined > 0, 'the third process took requests');
  });
});
