/**
 * The per-IP limit is one limit for the whole cluster: two `api` processes sharing Redis accept at
 * most RATE_LIMIT_IP_PER_MIN votes from one address between them (not 2 × the limit), every
 * refusal is 429 with Retry-After and RateLimit, and the stored votes equal the 201s. (The
 * fallback to per-process limits while Redis is down is test/integration/redis-outage.test.ts.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, createPoll } from '../support/app.js';
import { startChildApp, type ChildApp } from '../support/child-app.js';
import { distributedSlice, type DistributedSlice } from '../support/distributed.js';
import { adminQuery } from '../support/postgres.js';
import { needServices } from '../support/services.js';

const skip = await needServices('postgres', 'redis');
const LIMIT = 40;

describe('per-IP rate limit across two api processes (Redis)', { skip, timeout: 120_000 }, () => {
  let slice: DistributedSlice;
  let apis: ChildApp[] = [];

  before(async () => {
    slice = distributedSlice('pollcast_ratelimit');
    // Redis must count as healthy here: on a busy machine a script can take longer than the default
    // 100 ms timeout, and then each process limits on its own by design (CI once accepted 69 of 40
    // that way). The fallback itself is tested in redis-outage.test.ts.
    const env = { ...slice.env, RATE_LIMIT_IP_PER_MIN: String(LIMIT), RATE_LIMIT_WRITES_PER_MIN: '1000', REDIS_COMMAND_TIMEOUT_MS: '5000' };
    apis = await Promise.all([startChildApp('api', env), startChildApp('api', env)]);
  });
  after(async () => {
    await Promise.all(apis.map((a) => a.stop('SIGKILL', 1_000)));
    await slice?.cleanup();
  });

  it(`3 × ${LIMIT} votes from one address spread over both processes → at most ${LIMIT} accepted, the rest 429`, async () => {
    const { poll } = await createPoll(apis[0]!.url, { options: ['A', 'B'] });
    const answers = await Promise.all(
      Array.from({ length: 3 * LIMIT }, (_, i) => call(apis[i % 2]!.url, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [poll.options[i % 2]!.id] })),
    );
    const accepted = answers.filter((a) => a.status === 201).length;
    const limited = answers.filter((a) => a.status === 429);
    assert.equal(accepted + limited.length, 3 * LIMIT, `only 201 and 429: ${[...new Set(answers.map((a) => a.status))]}`);
    assert.ok(accepted <= LIMIT, `accepted ${accepted} > limit ${LIMIT}`);
    assert.equal(accepted, LIMIT, 'a sliding window has no boundary to cost one');
    for (const r of limited) {
      assert.equal(r.json.code, 'rate_limited');
      assert.match(r.headers.get('retry-after') ?? '', /^\d+$/);
      assert.match(r.headers.get('ratelimit') ?? '', new RegExp(`^limit=${LIMIT}, remaining=0, reset=\\d+$`));
    }
    const [row] = await adminQuery<{ n: number }>(`SELECT count(*)::int AS n FROM "${slice.schema}".votes WHERE poll_id = $1`, [poll.id]);
    assert.equal(row!.n, accepted, 'stored votes = 201 answers');
    console.log(`# ${accepted} of ${3 * LIMIT} accepted across 2 processes (limit ${LIMIT}); ${limited.length} × 429`);
  });
});
