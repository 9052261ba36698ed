/** What the load generators send: votes on one poll, each from a voter id never used before. */
export interface VotePlan {
  pollId: string;
  optionIds: string[];
  /** Unique per run, so repeated runs against one poll never reuse a voter. */
  voterPrefix: string;
  /**
   * The poll's owner token, sent as `Authorization: Bearer …` with every vote: an open-mode poll
   * takes voter ids only from a trusted caller. createBenchPoll returns it, so `{ ...poll,
   * voterPrefix }` carries it. Absent: no Authorization header (the votes would get 401).
   */
  ownerToken?: string | undefined;
  /**
   * The ballots to send in turn, as JSON members (`"optionIds":["a","b"]`, `"value":7`): ranked,
   * rating and nps questions (bench/kinds-bench.ts). Absent: one of `optionIds` per vote.
   * The closed-loop generator (autocannon) honours it; the wrk script does not.
   */
  ballots?: string[] | undefined;
}

export function votePath(plan: VotePlan): string {
  return `/v1/polls/${plan.pollId}/votes`;
}

/** The Authorization header value every vote of the plan carries, if any. */
export function voteAuthorization(plan: VotePlan): string | undefined {
  return plan.ownerToken === undefined ? undefined : `Bearer ${plan.ownerToken}`;
}

/** The body of the n-th vote: a fresh voter, options taken in turn. */
export function voteBody(plan: VotePlan, voterId: string, n: number): string {
  if (plan.ballots !== undefined) return `{${plan.ballots[n % plan.ballots.length]},"voterId":"${voterId}"}`;
  return `{"optionIds":["${plan.optionIds[n % plan.optionIds.length]}"],"voterId":"${voterId}"}`;
}
