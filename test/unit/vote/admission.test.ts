/** Admission: every limit admitted together, the tightest reported, single-use things spent once. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryRateLimiter } from '../../../src/adapters/embedded/memory-rate-limiter.js';
import { Admission } from '../../../src/core/vote/admission.js';
import { ProofOfWork } from '../../../src/domain/proof-of-work.js';
import { PollcastError } from '../../../src/errors.js';
import { Clock, poll } from './fixtures.js';

const code = (err: unknown) => (err instanceof PollcastError ? err.code : String(err));

describe('Admission', () => {
  it('reports the tightest limit; refuses with the scope that ran out and counts nothing for the refused vote', async () => {
    const clock = new Clock();
    const limiter = new MemoryRateLimiter(clock.now);
    const a = new Admission(limiter, { ipPerMinute: 100, voterPerMinute: 2, pollPerMinute: 1000 }, undefined, clock.now);
    const first = await a.rateLimit('1.1.1.1', 'd:v', null, 'p');
    assert.deepEqual(first, { limit: 2, remaining: 1, resetSec: 61 });
    await a.rateLimit('1.1.1.1', 'd:v', null, 'p');
    await assert.rejects(a.rateLimit('1.1.1.1', 'd:v', null, 'p'), (e) => e instanceof PollcastError && e.code === 'rate_limited' && e.extra?.scope === 'voter');
    // The refused vote spent nothing of the per-IP and per-poll limits.
    const ip = await limiter.admit([{ key: 'ip:1.1.1.1', limit: 100, windowMs: 60_000, cost: 0 }]);
    assert.equal(ip.checks[0]!.remaining, 98);
  });

  it('an API key has its own limit; an address past its failure budget is refused without spending it', async () => {
    const clock = new Clock();
    const limiter = new MemoryRateLimiter(clock.now);
    const a = new Admission(limiter, { ipPerMinute: 0, voterPerMinute: 0, apiKeyPerMinute: 1, failuresPerMinute: 2 }, undefined, clock.now);
    await a.rateLimit('1.1.1.1', 'o:a', 'key1', 'p');
    await assert.rejects(a.rateLimit('1.1.1.1', 'o:b', 'key1', 'p'), (e) => e instanceof PollcastError && e.extra?.scope === 'key');
    assert.equal(await a.rateLimit('1.1.1.1', 'o:b', 'key2', 'p').then((r) => r?.limit), 1);
    await limiter.hit('fail:2.2.2.2', 2, 60_000);
    await limiter.hit('fail:2.2.2.2', 2, 60_000);
    await assert.rejects(a.rateLimit('2.2.2.2', 'o:c', 'key3', 'p'), (e) => e instanceof PollcastError && e.extra?.scope === 'fail');
    assert.equal((await a.rateLimit('3.3.3.3', 'o:d', 'key4', 'p'))?.limit, 1, 'a look at an untouched budget passes');
  });

  it('no limits configured: no header information', async () => {
    const a = new Admission(new MemoryRateLimiter(), { ipPerMinute: 0, voterPerMinute: 0 }, undefined);
    assert.equal(await a.rateLimit('1.1.1.1', 'd:v', null, 'p'), undefined);
  });

  it('proof of work: required on a device poll that asks for it, verified, then spent once', async () => {
    const clock = new Clock(Date.now());
    const pow = new ProofOfWork('s'.repeat(32));
    const a = new Admission(new MemoryRateLimiter(clock.now), { ipPerMinute: 0, voterPerMinute: 0 }, pow, clock.now);
    const p = poll({ powDifficulty: 4 });
    assert.equal(a.checkPow(poll(), undefined), null, 'a poll without proof of work');
    assert.throws(() => a.checkPow(p, undefined), (e) => code(e) === 'proof_of_work_required');
    assert.throws(() => a.checkPow(p, { challenge: 'nope', solution: '0' }), (e) => code(e) === 'proof_of_work_invalid');
    const challenge = pow.issue(p.id, 4, clock.now(), 60_000);
    let solution = 0;
    while (!pow.verify(p.id, 4, challenge.challenge, String(solution), clock.now()).ok) solution++;
    const solved = a.checkPow(p, { challenge: challenge.challenge, solution: String(solution) });
    assert.ok(solved);
    await a.spend(p, '1.1.1.1', solved);
    await assert.rejects(a.spend(p, '1.1.1.1', solved), (e) => code(e) === 'proof_of_work_invalid');
  });

  it('the per-address cap of a poll counts spent votes per address', async () => {
    const a = new Admission(new MemoryRateLimiter(), { ipPerMinute: 0, voterPerMinute: 0 }, undefined);
    const p = poll({ ipCap: 2 });
    await a.spend(p, '1.1.1.1', null);
    await a.spend(p, '1.1.1.1', null);
    await assert.rejects(a.spend(p, '1.1.1.1', null), (e) => code(e) === 'ip_cap_reached');
    await a.spend(p, '2.2.2.2', null);
  });
});
