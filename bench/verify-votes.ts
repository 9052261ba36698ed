/**
 * After the load: stored votes must equal the 2xx answers. Requests the generator abandoned
 * without an answer (in flight when a run stopped, timeouts) may or may not have been stored, so
 * each one the generator can name is looked up: stored total = acknowledged + abandoned-and-
 * stored, exactly. wrk cannot name its abandoned requests, only count them (`unknownIds`), so for
 * those the check is a range: any number from none to all of them may be stored, no more.
 */
import type { BenchTarget, Verification } from './bench-types.js';
import { resultsTotal, voteStored } from './poll-api.js';

export async function verifyVotes(
  baseUrl: string,
  pollId: string,
  acknowledged: number,
  unanswered: string[],
  unknownIds = 0,
  stored?: BenchTarget['stored'],
): Promise<Verification> {
  let unansweredStored = 0;
  const queue = [...unanswered];
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let v = queue.pop(); v !== undefined; v = queue.pop()) if (await voteStored(baseUrl, pollId, v)) unansweredStored += 1;
    }),
  );
  // Rows in the database when the target can count them (the tallies must agree), else the API's total.
  const db = stored ? await stored(pollId) : null;
  const storedTotal = db ? db.rows : await resultsTotal(baseUrl, pollId);
  const source = db ? ('database rows' as const) : ('results API' as const);
  const talliesOff = db !== null && db.tallied !== db.rows;
  const tallyNote = db ? `; tallies sum to ${db.tallied}${talliesOff ? ' ≠ rows: TALLY MISMATCH' : ''}` : '';
  const expected = acknowledged + unansweredStored;
  const named = `${acknowledged} acknowledged + ${unansweredStored} of ${unanswered.length} unanswered`;
  const base = { storedTotal, acknowledged, unanswered: unanswered.length, unansweredStored, unansweredUnknownIds: unknownIds, source, ...(db ? { tallied: db.tallied } : {}) };
  const tooMany = 'votes counted that were never sent or counted twice';
  const tooFew = 'acknowledged votes missing';

  if (unknownIds === 0) {
    const ok = storedTotal === expected && !talliesOff;
    const detail = (storedTotal === expected
      ? `stored ${storedTotal} = ${named}`
      : `stored ${storedTotal}, expected ${expected} (${named}): ${storedTotal > expected ? tooMany : tooFew}`) + ` [${source}${tallyNote}]`;
    return { ok, ...base, unknownIdsStored: ok ? 0 : null, detail };
  }

  const k = storedTotal - expected;
  const ok = k >= 0 && k <= unknownIds && !talliesOff;
  const abandoned = `${unknownIds} abandoned in flight by wrk (ids unknown)`;
  const namedPart = unanswered.length > 0 ? ` + ${unansweredStored} of ${unanswered.length} unanswered (looked up)` : '';
  const inRange = k >= 0 && k <= unknownIds;
  const detail =
    (inRange
      ? `stored ${storedTotal} = ${acknowledged} acknowledged${namedPart} + ${k} of ${abandoned}`
      : `stored ${storedTotal}, expected ${expected}..${expected + unknownIds} (${acknowledged} acknowledged${namedPart} + 0..${abandoned}): ${k > unknownIds ? tooMany : tooFew}`) +
    ` [${source}${tallyNote}]`;
  return { ok, ...base, unknownIdsStored: inRange ? k : null, detail };
}
