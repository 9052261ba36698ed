/**
 * Fault matrix — api processes behind the shipped HAProxy config (two pollcast processes, each
 * running every role, on a private PostgreSQL, Redis and NATS), clients talking only to HAProxy:
 * - api kill -9 mid-surge: one process is killed with SIGKILL and restarted on its port 5 s later;
 * - api SIGSTOP: one process is stopped for 10 s (connections open, nothing answered), then
 *   continued; clients time out and retry with the same key, landing on the other process.
 * Each ends with lost = 0, duplicated = 0, unexpected = 0, totals = rows within 10 s, viewers on
 * the stored total within 5 s — and every acknowledged key, sent again, gets a byte-identical answer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sleep } from '../support/eventually.js';
import { startHaproxy, type Haproxy } from '../support/haproxy.js';
import { faultsSkip, replayDiffers, runCase, size, startFleet, type Fleet } from './fleet.js';

const skip = faultsSkip({ haproxy: true });
const CHECK = { inter: '500ms', fall: 2, rise: 1 };

describe('fault matrix: api processes behind HAProxy', { skip, timeout: 600_000 }, () => {
  let fleet: Fleet;
  let lb: Haproxy;
  before(async () => {
    fleet = await startFleet();
    const hosts = fleet.apps.map((a) => new URL(a.url).host);
    lb = await startHaproxy({ servers: { api: hosts, realtime: hosts }, check: CHECK });
  });
  after(async () => {
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
      votes: size(6_000, 100_000),
      rate: size(400, 2_000),
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
      votes: size(3_000, 20_000),
      rate: size(300, 1_000),
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
});
