/** What the load generators send: votes on one poll, each from a voter id never used before. */
export interface VotePlan {
  pollId: string;
  optionIds: string[];
  /** Unique per run, so repeated runs against one poll never reuse a voter. */
  voterPrefix: string;
}

export function votePath(plan: VotePlan): string {
  return `/v1/polls/${plan.pollId}/votes`;
}

/** The body of the n-th vote: a fresh voter, options taken in turn. */
export function voteBody(plan: VotePlan, voterId: string, n: number): string {
  return `{"optionIds":["${plan.optionIds[n % plan.optionIds.length]}"],"voterId":"${voterId}"}`;
}
