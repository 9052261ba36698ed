/**
 * After the load: stored votes must equal the 2xx answers. Requests the generator abandoned
 * without an answer (in flight when a run stopped, timeouts) may or may not have been stored, so
 * each is looked up: stored total = acknowledged + abandoned-and-stored, exactly.
 */
import type { Verification } from './bench-types.js';
import { resultsTotal, voteStored } from './poll-api.js';

export async function verifyVotes(baseUrl: string, pollId: string, acknowledged: number, unanswered: string[]): Promise<Verification> {
  let unansweredStored = 0;
  const queue = [...unanswered];
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let v = queue.pop(); v !== undefined; v = queue.pop()) if (await voteStored(baseUrl, pollId, v)) unansweredStored += 1;
    }),
  );
  const storedTotal = await resultsTotal(baseUrl, pollId);
  const expected = acknowledged + unansweredStored;
  const ok = storedTotal === expected;
  const detail = ok
    ? `stored ${storedTotal} = ${acknowledged} acknowledged + ${unansweredStored} of ${unanswered.length} unanswered`
    : `stored ${storedTotal}, expected ${expected} (${acknowledged} acknowledged + ${unansweredStored} of ${unanswered.length} unanswered): ${storedTotal > expected ? 'votes counted that were never sent or counted twice' : 'acknowledged votes missing'}`;
  return { ok, storedTotal, acknowledged, unanswered: unanswered.length, unansweredStored, detail };
}
