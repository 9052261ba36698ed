/**
 * Fault matrix — reconnect storm: live-results viewers on two realtime processes behind the
 * shipped HAProxy config while votes continue; one realtime process is killed with kill -9. Its
 * viewers reconnect (with Last-Event-ID) through HAProxy to the other; every viewer ends on the
 * exact stored total, and the votes end with lost = duplicated = unexpected = 0. Memory stays
 * bounded: the survivor's resident memory grows by less than 64 kB per viewer it took over plus
 * 32 MB (a viewer costs ≈ 11 kB in bench:fanout; a leak per reconnect, or buffers kept for the dead process's viewers, would break the bound).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { eventually, sleep } from '../support/eventually.js';
import { startHaproxy, type Haproxy } from '../support/haproxy.js';
import { faultsSkip, runCase, size, startFleet, type Fleet } from './fleet.js';

const skip = faultsSkip({ haproxy: true });
const VIEWERS = size(1_000, 5_000);

const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? -1);

describe('fault matrix: reconnect storm', { skip, timeout: 1_800_000 }, () => {
  let fleet: Fleet;
  let lb: Haproxy;
  before(async () => {
    fleet = await startFleet({ roles: ['api', 'worker', 'realtime', 'realtime'] });
    const host = (i: number) => new URL(fleet.apps[i]!.url).host;
    lb = await startHaproxy({ servers: { api: [host(0)], realtime: [host(2), host(3)] }, check: { inter: '500ms', fall: 2, rise: 1 } });
  });
  after(async () => {
    await lb?.stop();
    await fleet?.destroy();
  });

  it(`${VIEWERS} viewers on two realtime processes, one killed with kill -9: all end on the exact total`, async (t) => {
    const [, , rt1, rt2] = fleet.apps;
    await runCase(t, fleet, {
      name: 'reconnect storm',
      targets: () => [lb.url],
      viewerUrls: [lb.url],
      viewers: VIEWERS,
      votes: size(2_000, 20_000),
      rate: size(150, 500),
      faultAfter: 0.3,
      async fault(_load, viewers) {
        const refusals = () => {
          const all: Record<string, number> = {};
          for (const v of viewers) for (const [why, n] of v.refusals) all[why] = (all[why] ?? 0) + n;
          return all;
        };
        // Both realtime processes hold viewers before the kill.
        const rows = async () => (await lb.stats()).filter((r) => r.pxname === 'realtime' && /^realtime\d$/.test(r.svname));
        await eventually(async () => (await rows()).filter((r) => Number(r.scur) > 0).length === 2, 'viewers on both realtime processes', 60_000, 100).catch(async (err: Error) => {
          throw new Error(`${err.message}: ${JSON.stringify((await rows()).map((r) => [r.svname, r.status, r.scur, r.stot]))}; viewers' refusals: ${JSON.stringify(refusals())}`);
        });
        const held = Number((await lb.stats()).find((r) => r.pxname === 'realtime' && r.svname === 'realtime1')?.scur ?? 0);
        const rssBefore = rssKb(rt2!.child.pid!);
        await rt1!.stop('SIGKILL');
        fleet.apps.splice(fleet.apps.indexOf(rt1!), 1);
        const killedAt = Date.now();
        await eventually(async () => Number((await lb.stats()).find((r) => r.pxname === 'realtime' && r.svname === 'realtime2')?.scur ?? 0) >= VIEWERS, `all ${VIEWERS} viewers reconnected to the survivor`, 60_000, 100);
        const reconnectedMs = Date.now() - killedAt;
        await sleep(1_000);
        const rssAfter = rssKb(rt2!.child.pid!);
        const boundKb = 32 * 1024 + 64 * held;
        assert.ok(rssAfter - rssBefore < boundKb, `the survivor grew ${rssAfter - rssBefore} kB taking over ${held} viewers (bound ${boundKb} kB)`);
        return { endedAt: Date.now(), extra: { viewersOnKilled: held, reconnectedMs, refusals: refusals(), survivorRssKbBefore: rssBefore, survivorRssKbAfter: rssAfter } };
      },
    });
  });
});
