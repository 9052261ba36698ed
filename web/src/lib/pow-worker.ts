/**
 * Solves a proof-of-work challenge off the main thread (lib/pow-client.ts starts it). Posts
 * `{tried}` after every batch and `{solution, tried}` when done; the page terminates it if it
 * no longer needs the answer.
 */
import { PrefixHasher, solveRange } from './pow.js';

const BATCH = 20_000;

interface Scope {
  onmessage: ((e: MessageEvent<{ challenge: string; difficulty: number }>) => void) | null;
  postMessage(message: unknown): void;
}
const scope = self as unknown as Scope;

scope.onmessage = (e) => {
  const { challenge, difficulty } = e.data;
  const hasher = new PrefixHasher(challenge + ':');
  for (let start = 0; ; start += BATCH) {
    const solution = solveRange(challenge, difficulty, start, BATCH, hasher);
    if (solution !== null) {
      scope.postMessage({ solution, tried: start + BATCH });
      return;
    }
    scope.postMessage({ tried: start + BATCH });
  }
};
