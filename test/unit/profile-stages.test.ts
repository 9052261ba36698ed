/**
 * The stage attribution of bench/profile-stages on a hand-made profile: the leaf-up walk (first
 * matching frame wins, native leaves take their caller's stage), idle left out of busy, GC, the
 * startup skip and the vote window. Durations are exact sums of the hand-made time deltas.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { attributeStages, frameStage, stageRows, VOTE_WINDOW, type CpuProfile, type ProfileNode } from '../../bench/stage-attribution.js';

const APP = 'file:///app/dist';
const NM = 'file:///app/node_modules';

// id → [functionName, url, children]
const tree: Record<number, [string, string, number[]]> = {
  1: ['(root)', '', [2, 3, 4, 5, 20, 30]],
  2: ['(idle)', '', []],
  3: ['(garbage collector)', '', []],
  4: ['(program)', '', []],
  // a pg socket read: onStreamRead → pg-protocol parse → pg connection → native slice
  5: ['onStreamRead', 'node:internal/stream_base_commons', [6]],
  6: ['parse', `${NM}/pg-protocol/dist/parser.js`, [7]],
  7: ['', `${NM}/pg/lib/connection.js`, [8]],
  8: ['utf8Slice', '', []],
  // the vote route: fastify's route, our handler under it, and the answer's writev under
  // _http_outgoing (entered from fastify's route: _http_outgoing, the nearer frame, must win)
  20: ['parserOnIncoming', 'node:_http_server', [21]],
  21: ['routeHandler', `${NM}/fastify/lib/route.js`, [22, 27, 23]],
  22: ['castVote', `${APP}/http/routes/votes.js`, [25, 28]],
  23: ['end', 'node:_http_outgoing', [24]],
  24: ['writev', '', []],
  25: ['voterKey', `${APP}/core/vote/voter-identity.js`, [26]],
  26: ['digest', '', []],
  27: ['validate12', '', []],
  28: ['info', `${APP}/http/request-logger.js`, [29]],
  29: ['write', `${NM}/pino/lib/proto.js`, []],
  // ioredis under our rate limiter, then a metric under observability/
  30: ['tick', `${APP}/adapters/redis/redis-rate-limiter.js`, [31, 32]],
  31: ['sendCommand', `${NM}/ioredis/built/Redis.js`, []],
  32: ['observe', `${APP}/observability/fast-metrics.js`, []],
};
const nodes: ProfileNode[] = Object.entries(tree).map(([id, [functionName, url, children]]) => ({
  id: Number(id),
  callFrame: { functionName, url },
  children,
}));

/** Each sample lasts until the next one: [leaf id, µs until the next sample]. */
function profileOf(samples: readonly [number, number][]): CpuProfile {
  return {
    nodes,
    startTime: 1_000_000,
    endTime: 1_000_000 + samples.reduce((sum, [, d]) => sum + d, 0),
    samples: [...samples.map(([id]) => id), 2],
    // the first sample is at startTime; each delta after it is the previous sample's duration
    timeDeltas: [0, ...samples.map(([, d]) => d)],
  };
}

describe('profile-stages attribution', () => {
  it('names each frame by the first rule in the table that matches it', () => {
    assert.equal(frameStage({ functionName: 'routeHandler', url: `${NM}/fastify/lib/route.js` }), 'routing and validation');
    assert.equal(frameStage({ functionName: 'send', url: `${NM}/fastify/lib/reply.js` }), 'answer');
    assert.equal(frameStage({ functionName: 'info', url: `${APP}/http/request-logger.js` }), 'logging');
    assert.equal(frameStage({ functionName: 'observe', url: `${APP}/observability/fast-metrics.js` }), 'metrics');
    assert.equal(frameStage({ functionName: 'writeHead', url: 'node:_http_server' }), 'answer');
    assert.equal(frameStage({ functionName: 'parserOnIncoming', url: 'node:_http_server' }), 'HTTP parse');
    assert.equal(frameStage({ functionName: 'query', url: `${NM}/pg/lib/client.js` }), 'driver');
    assert.equal(frameStage({ functionName: 'x', url: `${NM}/pg-pool/index.js` }), 'driver');
    assert.equal(frameStage({ functionName: 'x', url: `${NM}/pgx/index.js` }), undefined);
    assert.equal(frameStage({ functionName: 'writev', url: '' }), undefined);
  });

  it('walks each sample from the leaf up: native leaves take the nearest matching caller', () => {
    const budget = attributeStages(
      profileOf([
        [24, 100], // writev under _http_outgoing → answer (not fastify's route above it)
        [26, 200], // a hash digest under voter-identity → identity
        [27, 300], // a generated validateN → routing and validation
        [29, 400], // pino under request-logger → logging
        [8, 500], // utf8Slice under pg → driver (not onStreamRead)
        [31, 600], // ioredis under the rate limiter → limits
        [32, 700], // observability/fast-metrics → metrics (a frame names its own stage first)
        [21, 800], // fastify's route → routing and validation
        [20, 900], // the HTTP server's parser callback → HTTP parse
        [3, 1000], // GC
        [4, 1100], // (program) → other
        [2, 5000], // idle: not busy
      ]),
    );
    const us = Object.fromEntries(budget.us);
    assert.deepEqual(us, {
      'HTTP parse': 900,
      'routing and validation': 1100,
      identity: 200,
      limits: 600,
      'group commit': 0,
      driver: 500,
      answer: 100,
      logging: 400,
      metrics: 700,
      GC: 1000,
      other: 1100,
    });
    assert.equal(budget.busyUs, 6600);
    assert.equal(budget.idleUs, 5000);

    const rows = stageRows(budget, 4);
    const driver = rows.find((r) => r.stage === 'driver')!;
    assert.equal(driver.ms, 0.5);
    assert.equal(driver.usPerVote, 125);
    assert.equal(Math.round(driver.percentOfBusy * 1000), Math.round((500 / 6600) * 100_000));
  });

  it('skips samples before --from-ms and outside the vote window', () => {
    const profile = profileOf([
      [3, 2000], // at 0 ms: startup, skipped by fromMs = 1
      [31, 1000], // at 2 ms: before the first vote-route sample
      [25, 300], // at 3 ms: first sample inside routes/votes
      [8, 400],
      [26, 500], // last sample inside routes/votes
      [32, 700], // after it: shutdown
    ]);
    assert.equal(attributeStages(profile, 1).busyUs, 1000 + 300 + 400 + 500 + 700);
    const windowed = attributeStages(profile, 1, VOTE_WINDOW);
    assert.equal(windowed.busyUs, 300 + 400 + 500);
    assert.equal(windowed.us.get('limits'), 0);
    assert.equal(windowed.us.get('metrics'), 0);
  });
});
