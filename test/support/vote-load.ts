/**
 * The fault tests' load generator. Each vote is a new voter (open mode, the poll owner's token)
 * with its own Idempotency-Key, paced at `rate` per second with at most `concurrency` in flight.
 * A vote is retried — with the SAME key and body, on the next target — after a connection error,
 * a timeout, a 429 or a 5xx (waiting Retry-After, capped, when the server gave one), until it
 * gets any other answer or `giveUpMs` has passed since it was first sent (then it is in doubt).
 * Every attempt and every outcome is recorded; `writeJsonl` writes one line per vote (key, voter,
 * poll, times, status) for a person to read after a failure.
 */
import { Agent, request } from 'node:http';
import { writeFileSync } from 'node:fs';
import { sleep } from './eventually.js';

export interface Attempt {
  /** ms since the load started, when the attempt was sent and when it ended. */
  at: number;
  ms: number;
  /** HTTP status, or 0 for no answer (connection refused/reset, timeout). */
  status: number;
  target: number;
  retryAfter?: string;
  error?: string;
}

export interface VoteOutcome {
  key: string;
  voter: string;
  poll: string;
  option: string;
  /** ms since the load started: first send, final answer (or giving up). */
  sentAt: number;
  doneAt: number;
  /** The final status: 201 acknowledged, another 4xx, or 0 (in doubt: never answered for sure). */
  status: number;
  /** The final answer's body (for 201: the receipt). */
  body?: string;
  attempts: Attempt[];
}

export interface LoadOptions {
  /** Base URLs; attempt n of vote i goes to targets[(i + n) % targets.length]. */
  targets: () => string[];
  pollId: string;
  ownerToken: string;
  optionIds: string[];
  votes: number;
  rate: number;
  concurrency?: number;
  attemptTimeoutMs?: number;
  giveUpMs?: number;
  /** Prefix of voter ids and keys, so two loads on one poll never share one. */
  label?: string;
  /** Several sends of the same vote (same key and body) at once, e.g. a retry storm; default 1. */
  copies?: number;
}

export interface Load {
  readonly startedAt: number;
  readonly outcomes: VoteOutcome[];
  /** Every attempt, in the order they ended (for "what did clients see while X was down"). */
  readonly attempts: Attempt[];
  /** Resolves when every vote has its final outcome. */
  readonly done: Promise<VoteOutcome[]>;
  acknowledged(): number;
  stop(): void;
}

const RETRYABLE = (s: number) => s === 0 || s === 429 || s >= 500;

export function runVoteLoad(o: LoadOptions): Load {
  const concurrency = o.concurrency ?? 64;
  const attemptTimeoutMs = o.attemptTimeoutMs ?? 5_000;
  const giveUpMs = o.giveUpMs ?? 60_000;
  const copies = o.copies ?? 1;
  const label = o.label ?? 'v';
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency * copies, timeout: attemptTimeoutMs * 2 });
  const startedAt = Date.now();
  const now = () => Date.now() - startedAt;
  const outcomes: VoteOutcome[] = [];
  const attempts: Attempt[] = [];
  let acked = 0;
  let stopped = false;
  let inFlight = 0;
  let wake: (() => void) | null = null;

  const send = (url: string, body: string, key: string, target: number): Promise<Attempt & { body?: string }> =>
    new Promise((resolve) => {
      const at = now();
      let settled = false;
      const finish = (a: Omit<Attempt, 'at' | 'ms' | 'target'> & { body?: string }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ at, ms: now() - at, target, ...a });
      };
      const req = request(
        `${url}/v1/polls/${o.pollId}/votes`,
        {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            authorization: `Bearer ${o.ownerToken}`,
            'idempotency-key': key,
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => finish({ status: res.statusCode ?? 0, body: text, retryAfter: res.headers['retry-after'] }));
          res.on('error', (err) => finish({ status: 0, error: err.message }));
        },
      );
      const timer = setTimeout(() => {
        finish({ status: 0, error: 'timeout' });
        req.destroy();
      }, attemptTimeoutMs);
      req.on('error', (err) => finish({ status: 0, error: (err as NodeJS.ErrnoException).code ?? err.message }));
      req.end(body);
    });

  const vote = async (i: number, copy: number): Promise<VoteOutcome> => {
    const voter = `${label}${i}`;
    const key = `k-${label}${i}`;
    const option = o.optionIds[i % o.optionIds.length]!;
    const body = JSON.stringify({ optionIds: [option], voterId: voter });
    const outcome: VoteOutcome = { key, voter, poll: o.pollId, option, sentAt: now(), doneAt: 0, status: 0, attempts: [] };
    for (let n = 0; ; n++) {
      const targets = o.targets();
      const t = (i + copy + n) % targets.length;
      const a = await send(targets[t]!, body, key, t);
      const { body: text, ...attempt } = a;
      outcome.attempts.push(attempt);
      attempts.push(attempt);
      if (!RETRYABLE(a.status)) {
        outcome.status = a.status;
        outcome.body = text;
        break;
      }
      if (now() - outcome.sentAt > giveUpMs) break; // in doubt: status stays 0
      const hinted = Number(a.retryAfter) * 1_000;
      const backoff = Number.isFinite(hinted) && hinted > 0 ? Math.min(hinted, 2_000) : Math.min(100 * 2 ** Math.min(n, 4), 1_000);
      await sleep(backoff * (0.5 + Math.random()));
    }
    outcome.doneAt = now();
    if (outcome.status === 201 && copy === 0) acked++;
    return outcome;
  };

  const done = (async () => {
    const running: Array<Promise<void>> = [];
    for (let i = 0; i < o.votes && !stopped; i++) {
      const due = startedAt + (i * 1_000) / o.rate;
      if (due > Date.now()) await sleep(due - Date.now());
      while (inFlight >= concurrency) await new Promise<void>((r) => (wake = r));
      inFlight++;
      const all = Array.from({ length: copies }, (_, c) => vote(i, c));
      running.push(
        Promise.all(all).then((list) => {
          outcomes.push(...list);
          inFlight--;
          const w = wake;
          wake = null;
          w?.();
        }),
      );
    }
    await Promise.all(running);
    agent.destroy();
    return outcomes;
  })();

  return {
    startedAt,
    outcomes,
    attempts,
    done,
    acknowledged: () => acked,
    stop: () => (stopped = true),
  };
}

export function writeJsonl(file: string, outcomes: VoteOutcome[]): void {
  writeFileSync(
    file,
    outcomes
      .map((v) => JSON.stringify({ key: v.key, voter: v.voter, poll: v.poll, sentAt: v.sentAt, doneAt: v.doneAt, status: v.status, attempts: v.attempts.map((a) => [a.at, a.ms, a.status, a.target, a.error ?? a.retryAfter ?? '']) }))
      .join('\n') + '\n',
  );
}
