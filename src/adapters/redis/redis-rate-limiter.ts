/**
 * Cluster-wide sliding-window rate limiter. Admissions are not sent one by one: every admission
 * asked for while the previous script call is out (or within one event-loop tick) leaves in ONE
 * script call, so a surge costs a Redis round trip per tick, not per vote. The script counts each
 * key in 60 buckets of a hash (field = bucket number, value = hits), on Redis's own clock, and
 * admits each request's checks all together or not at all, in arrival order, so every process
 * sharing the Redis sees one count per key. While Redis is unreachable each process limits on its
 * own with a MemoryRateLimiter (never fails open). Keys live under `${prefix}:rate:`.
 */
import { createHash } from 'node:crypto';
import { bucketMsOf, type Admission, type RateCheck, type RateDecision, type RateLimiter } from '../../ports/rate-limiter.js';
import { MemoryRateLimiter } from '../embedded/memory-rate-limiter.js';
import { resetMsOf } from '../sliding-window.js';
import type { RedisLink } from './redis-link.js';

/**
 * KEYS: the distinct keys. ARGV: groups, then per group its check count and per check
 * (key index, limit, bucket ms, cost). Returns {now, then per group: ok, then per check: the count
 * before the group, the oldest counted bucket after it (-1: none)}.
 */
const ADMIT_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = {}
local function load(ki, bucketMs)
  local s = state[ki]
  if s then return s end
  local nb = math.floor(now / bucketMs)
  local flat = redis.call('HGETALL', KEYS[ki])
  local sum, oldest, stale = 0, -1, {}
  for i = 1, #flat, 2 do
    local b = tonumber(flat[i])
    if b < nb - 60 then
      stale[#stale + 1] = flat[i]
    else
      sum = sum + tonumber(flat[i + 1])
      if oldest < 0 or b < oldest then oldest = b end
    end
  end
  if #stale > 0 then redis.call('HDEL', KEYS[ki], unpack(stale)) end
  s = { sum = sum, nb = nb, oldest = oldest, add = 0, bucketMs = bucketMs }
  state[ki] = s
  return s
end
local out = { now }
local p = 2
for g = 1, tonumber(ARGV[1]) do
  local n = tonumber(ARGV[p])
  p = p + 1
  local ok = 1
  local group = {}
  for j = 1, n do
    local s = load(tonumber(ARGV[p]), tonumber(ARGV[p + 2]))
    local limit = tonumber(ARGV[p + 1])
    group[j] = { s, tonumber(ARGV[p + 3]), s.sum }
    if s.sum >= limit then ok = 0 end
    p = p + 4
  end
  out[#out + 1] = ok
  for j = 1, n do
    local s, cost, before = group[j][1], group[j][2], group[j][3]
    if ok == 1 and cost > 0 then
      s.sum = s.sum + cost
      s.add = s.add + cost
      if s.oldest < 0 then s.oldest = s.nb end
    end
    out[#out + 1] = before
    out[#out + 1] = s.oldest
  end
end
for ki, s in pairs(state) do
  if s.add > 0 then
    redis.call('HINCRBY', KEYS[ki], tostring(s.nb), s.add)
    redis.call('PEXPIRE', KEYS[ki], s.bucketMs * 62)
  end
end
return out
`;
const ADMIT_SHA = createHash('sha1').update(ADMIT_SCRIPT).digest('hex');
/** Admissions per script call at most (a surge's backlog leaves in several calls). */
const MAX_GROUPS = 512;

interface Waiting {
  checks: readonly RateCheck[];
  resolve: (a: Admission) => void;
}

export class RedisRateLimiter implements RateLimiter {
  readonly kind = 'redis';
  readonly #keyPrefix: string;
  readonly #fallback = new MemoryRateLimiter();
  #queue: Waiting[] = [];
  #scheduled = false;
  #inFlight = false;
  #closed = false;

  constructor(
    private readonly link: RedisLink,
    prefix: string,
  ) {
    this.#keyPrefix = `${prefix}:rate:`;
    link.retain();
  }

  admit(checks: readonly RateCheck[]): Promise<Admission> {
    if (this.#closed || !this.link.usable()) return Promise.resolve(this.#fallback.admitSync(checks));
    return new Promise((resolve) => {
      this.#queue.push({ checks, resolve });
      this.#schedule();
    });
  }

  async hit(key: string, limit: number, windowMs: number): Promise<RateDecision> {
    return (await this.admit([{ key, limit, windowMs }])).checks[0]!;
  }

  #schedule(): void {
    if (this.#scheduled || this.#inFlight) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    const batch = this.#queue.splice(0, MAX_GROUPS);
    if (batch.length === 0) return;
    this.#inFlight = true;
    try {
      const keys: string[] = [];
      const index = new Map<string, number>();
      const argv: Array<string | number> = [batch.length];
      for (const w of batch) {
        argv.push(w.checks.length);
        for (const c of w.checks) {
          let ki = index.get(c.key);
          if (ki === undefined) {
            ki = keys.push(this.#keyPrefix + c.key);
            index.set(c.key, ki);
          }
          argv.push(ki, c.limit, bucketMsOf(c.windowMs), c.cost ?? 1);
        }
      }
      let reply: number[];
      try {
        reply = (await this.#eval(keys, argv)) as number[];
      } catch (err) {
        this.link.failed(err);
        for (const w of batch) w.resolve(this.#fallback.admitSync(w.checks));
        return;
      }
      const now = reply[0]!;
      let p = 1;
      for (const w of batch) {
        const ok = reply[p++] === 1;
        const checks: RateDecision[] = [];
        for (const c of w.checks) {
          const before = reply[p++]!;
          const oldest = reply[p++]!;
          const after = ok ? before + (c.cost ?? 1) : before;
          checks.push({
            allowed: before < c.limit,
            limit: c.limit,
            remaining: Math.max(0, c.limit - after),
            resetMs: resetMsOf(oldest < 0 ? null : oldest, bucketMsOf(c.windowMs), c.windowMs, now),
          });
        }
        if (!ok) {
          w.resolve({ allowed: false, checks });
          continue;
        }
        // Admitted by Redis: this process's own count must admit it too. It holds this process's
        // share (kept for the fallback: one slow reply past REDIS_COMMAND_TIMEOUT_MS or an outage
        // then limits per process from what it admitted, not from zero), and what the fallback
        // admitted while Redis was skipped, which Redis never saw: without this second look,
        // Redis coming back would admit those again (CI once saw 22 of a limit of 20 pass).
        const local = this.#fallback.admitSync(w.checks);
        w.resolve(local.allowed ? { allowed: true, checks } : local);
      }
    } finally {
      this.#inFlight = false;
      if (this.#queue.length > 0) this.#schedule();
    }
  }

  /** SET NX PX: one key per claim, gone when it expires. Falls back to this process's memory while Redis is away. */
  async claimOnce(key: string, ttlMs: number): Promise<boolean> {
    if (this.#closed || !this.link.usable()) return this.#fallback.claimOnceSync(key, ttlMs);
    try {
      return (await this.link.redis.set(this.#keyPrefix + 'once:' + key, '1', 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX')) === 'OK';
    } catch (err) {
      this.link.failed(err);
      return this.#fallback.claimOnceSync(key, ttlMs);
    }
  }

  /** EVALSHA, loading the script with EVAL the first time a server has not seen it. */
  async #eval(keys: string[], argv: Array<string | number>): Promise<unknown> {
    try {
      return await this.link.redis.evalsha(ADMIT_SHA, keys.length, ...keys, ...argv);
    } catch (err) {
      if (!(err instanceof Error && err.message.startsWith('NOSCRIPT'))) throw err;
      return this.link.redis.eval(ADMIT_SCRIPT, keys.length, ...keys, ...argv);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Admissions still waiting are decided here rather than left hanging.
    for (const w of this.#queue.splice(0)) w.resolve(this.#fallback.admitSync(w.checks));
    await this.#fallback.close();
    await this.link.release();
  }
}
