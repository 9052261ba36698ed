/**
 * Fault matrix — worker crash between apply and ack: votes flow through an api process; the
 * worker (outbox relay + analytics consumer) runs with the test-only hook
 * POLLCAST_FAULT_CRASH_AFTER_APPLY, so it kills itself (SIGKILL) right after applying an event and
 * before acknowledging it; it is restarted, crashes again, and so on, then runs without the hook.
 * The unacknowledged events are redelivered and the consumer's eventId dedupe drops the copies:
 * the analytics counts equal the rows (no event applied twice, none missing), the outbox drains,
 * and lost = duplicated = unexpected = 0.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { faultsSkip, runCase, size, startFleet, type Fleet } from './fleet.js';

const skip = faultsSkip();
const CRASHES = size(3, 5);

describe('fault matrix: worker crash between apply and ack', { skip, timeout: 1_800_000 }, () => {
  let fleet: Fleet;
  before(async () => {
    fleet = await startFleet({ roles: ['api', 'realtime'] });
  });
  after(() => fleet?.destroy());

  it(`the worker is killed between apply and ack ${CRASHES} times: no event applied twice, the outbox drains`, async (t) => {
    const [api, realtime] = fleet.apps;
    const crashes: string[] = [];
    await runCase(t, fleet, {
      name: 'worker crash between apply and ack',
      targets: () => [api!.url],
      viewerUrls: [realtime!.url],
      votes: size(1_500, 6_000),
      rate: size(150, 300),
      faultAfter: 0.05,
      async fault() {
        for (let i = 0; i < CRASHES; i++) {
          // Not waited for: with a backlog it may apply three events before /readyz answers.
          const worker = await fleet.startApp('worker', { POLLCAST_FAULT_CRASH_AFTER_APPLY: '3' }, undefined, false);
          const exit = await Promise.race([worker.exited, new Promise<null>((r) => setTimeout(r, 120_000, null).unref())]);
          assert.ok(exit, `the hooked worker did not crash within 120 s: ${worker.output().slice(-2_000)}`);
          assert.equal(exit.signal, 'SIGKILL', `the hook killed the worker: ${worker.output().slice(-2_000)}`);
          crashes.push(String(worker.child.pid));
          fleet.apps.splice(fleet.apps.indexOf(worker), 1);
        }
        await fleet.startApp('worker');
        return { endedAt: Date.now(), extra: { workerCrashes: crashes.length } };
      },
    });
  });
});
