/**
 * After the load: stored votes must equal the 2xx answers. Requests the generator abandoned
 * without an answer (in flight when a run stopped, timeouts) may or may not have been stored, so
 * each one the generator can name is looked up: stored total = acknowledged + abandoned-and-
 * stored, exactly. wrk cannot name its abandoned requests, only count them (`unknownIds`), so for
 * those the check is a range: any number from none to all of them may be stored, no more.
 */
import type { Verification } from './bench-types.js';
import { resultsTotal, voteStored } from './poll-api.js';

export async function verifyVotes(baseUrl: string, pollId: string, acknowledged: number, unanswered: string[], unknownIds = 0): Promise<Verification> {
  let unansweredStored = 0;
  const queue = [...unanswered];
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let v = queue.pop(); v !== undefined; v = queue.pop()) if (await voteStored(baseUrl, pollId, v)) unansweredStored += 1;
    }),
  );
  const storedTotal = await resultsTotal(baseUrl, pollId);
  const expected = acknowledged + unansweredStored;
  const named = `${acknowledged} acknowledged + ${unansweredStored} of ${unanswered.length} unanswered`;
  const base = { storedTotal, acknowledged, unanswered: unanswered.length, unansweredStored, unansweredUnknownIds: unknownIds };
  const tooMany = 'votes counted that were never sent or counted twice';
  const tooFew = 'acknowledged votes missing';

  if (unknownIds === 0) {
    const ok = storedTotal === expected;
    const detail = ok
      ? `stored ${storedTotal} = ${named}`
      : `stored ${storedTotal}, expected ${expected} (${named}): ${storedTotal > expected ? tooMany : tooFew}`;
    return { ok, ...base, unknownIdsStored: ok ? 0 : null, detail };
  }

  const k = storedTotal - expected;
  const ok = k >= 0 && k <= unknownIds;
  const abandoned = `${unknownIds} abandoned in flight by wrk (ids unknown)`;
  const namedPart = unanswered.length > 0 ? ` + ${unansweredStored} of ${unanswered.length} unanswered (looked up)` : '';
  const detail = ok
    ? `stored ${storedTotal} = ${acknowledged} acknowledged${namedPart} + ${k} of ${abandoned}`
    : `stored ${storedTotal}, expected ${expected}..${expected + unknownIds} (${acknowledged} acknowledged${namedPart} + 0..${abandoned}): ${k > unknownIds ? tooMany : tooFew}`;
  return { ok, ...base, unknownIdsStored: ok ? k : null, detail };
}
