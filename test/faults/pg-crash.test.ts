/**
 * Fault matrix — PostgreSQL crash: `pg_ctl stop -m immediate` in the middle of a vote surge over
 * two pollcast processes, restarted 3 s later. While it is down votes are answered 503 with a
 * Retry-After (not left hanging); clients retry with the same Idempotency-Key; afterwards no
 * acknowledged vote is lost, none counted twice, no row appears that nobody was told about, the
 * totals equal the rows within 10 s and every viewer shows the stored total within 5 s.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sleep } from '../support/eventually.js';
import { checkVotes } from '../support/vote-check.js';
import { runVoteLoad } from '../support/vote-load.js';
import { faultsSkip, openPoll, openViewers, recoveryMs, reportAndAssert, SCHEMA, size, startFleet, viewersConverge, type Fleet } from './fleet.js';

const skip = faultsSkip();
const VOTES = size(3_000, 30_000);
const RATE = size(300, 1_000);
const DOWN_MS = 3_000;

describe('fault: PostgreSQL crash mid-surge', { skip, timeout: 300_000 }, () => {
  let fleet: Fleet;
  before(async () => {
    fleet = await startFleet({ apps: 2 });
  });
  after(() => fleet?.destroy());

  it('no acknowledged vote lost, none doubled, none unexpected; 503 + Retry-After while down', async (t) => {
    const urls = fleet.apps.map((a) => a.url);
    const poll = await openPoll(urls[0]!);
    const viewers = openViewers(urls, poll.pollId, 4);
    try {
      const load = runVoteLoad({ targets: () => urls, ...poll, votes: VOTES, rate: RATE });
      while (load.acknowledged() < VOTES / 4) await sleep(20);
      const crashAt = Date.now();
      fleet.pg.crash();
      await sleep(DOWN_MS);
      const restartAt = Date.now();
      await fleet.pg.start();
      const upAt = Date.now();
      await load.done;

      const f = await checkVotes(fleet.pgUrl, SCHEMA, poll.pollId, load.outcomes);
      const viewersMs = f.convergedMs >= 0 ? await viewersConverge(viewers, f.rows) : -1;
      // What clients were told while the server was down (attempts sent and answered in that window).
      const down = load.attempts.filter((a) => a.at >= crashAt - load.startedAt && a.at + a.ms <= restartAt - load.startedAt && a.status !== 0);
      const downStatuses = [...new Set(down.map((a) => a.status))];
      reportAndAssert(
        t,
        'PostgreSQL crash',
        f,
        load,
        { downMs: upAt - crashAt, answeredWhileDown: down.length, downStatuses, maxAnswerMsWhileDown: Math.max(0, ...down.map((a) => a.ms)), recoveryMs: recoveryMs(load, upAt), viewersMs },
        () => fleet.logs(),
      );
      assert.ok(down.length > 0, 'votes sent while PostgreSQL was down were answered');
      for (const a of down) {
        assert.equal(a.status, 503, `while down: ${JSON.stringify(a)}`);
        assert.ok(a.retryAfter, `a 503 while down carries Retry-After: ${JSON.stringify(a)}`);
      }
    } finally {
      await Promise.all(viewers.map((v) => v.close()));
    }
  });
});
