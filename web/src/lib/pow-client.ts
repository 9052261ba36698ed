/**
 * Proof of work for a vote: fetch a challenge, solve it in a Web Worker (on the main thread in
 * small slices if a worker cannot start), report progress. Each challenge is good for one vote.
 */
import { api } from './api.js';
import { PrefixHasher, solveRange } from './pow.js';

export interface Challenge {
  challenge: string;
  difficulty: number;
  expiresAt: string;
  algorithm: string;
}

export interface PowProof {
  challenge: string;
  solution: string;
}

/** `progress` gets the share of the expected work done so far (0–1, capped at 0.99). */
export async function proveWork(pollId: string, progress: (share: number) => void, signal?: AbortSignal): Promise<PowProof> {
  const c = await api<Challenge>('GET', `/v1/polls/${encodeURIComponent(pollId)}/challenge`, signal ? { signal } : {});
  const expected = 2 ** c.difficulty;
  const solution = await solve(c.challenge, c.difficulty, (tried) => progress(Math.min(0.99, tried / expected)), signal);
  return { challenge: c.challenge, solution };
}

function aborted(): Error {
  return new DOMException('aborted', 'AbortError');
}

export function solve(challenge: string, difficulty: number, onTried: (tried: number) => void, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(aborted());
    let worker: Worker | null = null;
    const stop = () => {
      worker?.terminate();
      worker = null;
    };
    signal?.addEventListener('abort', () => {
      stop();
      reject(aborted());
    });
    try {
      worker = new Worker(new URL('./pow-worker.ts', import.meta.url), { type: 'module' });
    } catch {
      worker = null;
    }
    if (!worker) return void onMainThread(challenge, difficulty, onTried, signal).then(resolve, reject);
    worker.onmessage = (e: MessageEvent<{ tried: number; solution?: string }>) => {
      onTried(e.data.tried);
      if (e.data.solution !== undefined) {
        stop();
        resolve(e.data.solution);
      }
    };
    worker.onerror = (e) => {
      // A worker that could not load (blocked, old browser): do the work here instead.
      e.preventDefault();
      stop();
      onMainThread(challenge, difficulty, onTried, signal).then(resolve, reject);
    };
    worker.postMessage({ challenge, difficulty });
  });
}

/** Slices of work between frames, so the page stays responsive. */
async function onMainThread(challenge: string, difficulty: number, onTried: (tried: number) => void, signal?: AbortSignal): Promise<string> {
  const hasher = new PrefixHasher(challenge + ':');
  const slice = 2_000;
  for (let start = 0; ; start += slice) {
    if (signal?.aborted) throw aborted();
    const s = solveRange(challenge, difficulty, start, slice, hasher);
    onTried(start + slice);
    if (s !== null) return s;
    await new Promise((r) => setTimeout(r, 0));
  }
}
