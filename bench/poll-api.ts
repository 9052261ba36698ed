/** The few API calls the harness makes around the load: create the poll, read what was stored. */

async function json<T>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const r = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await r.text();
  return { status: r.status, body: (text ? JSON.parse(text) : null) as T };
}

/**
 * Owner tokens of the polls this harness created, by poll id: the harness is their trusted caller,
 * so reading a named voter's vote back (voteStored) sends the token like the votes did.
 */
const ownerTokens = new Map<string, string>();

/**
 * An open, open-identity poll (the caller names the voter), as the benchmark needs. Open mode
 * takes voter ids only from a trusted caller: every vote must carry `ownerToken` as its bearer.
 */
export async function createBenchPoll(baseUrl: string): Promise<{ pollId: string; optionIds: string[]; ownerToken: string }> {
  const r = await json<{ poll: { id: string; options: Array<{ id: string }> }; ownerToken: string }>(`${baseUrl}/v1/polls`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ question: 'Benchmark: which option?', options: ['A', 'B', 'C', 'D'], identityMode: 'open' }),
  });
  if (r.status !== 201) throw new Error(`creating the bench poll answered ${r.status}: ${JSON.stringify(r.body)}`);
  ownerTokens.set(r.body.poll.id, r.body.ownerToken);
  return { pollId: r.body.poll.id, optionIds: r.body.poll.options.map((o) => o.id), ownerToken: r.body.ownerToken };
}

export async function resultsTotal(baseUrl: string, pollId: string): Promise<number> {
  const r = await json<{ total: number }>(`${baseUrl}/v1/polls/${pollId}/results`);
  if (r.status !== 200) throw new Error(`reading results answered ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body.total;
}

/** Whether this voter's vote is stored (200) or not (404); anything else is an error. */
export async function voteStored(baseUrl: string, pollId: string, voterId: string): Promise<boolean> {
  const token = ownerTokens.get(pollId);
  const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
  const r = await json<unknown>(`${baseUrl}/v1/polls/${pollId}/votes/me?voterId=${encodeURIComponent(voterId)}`, { headers });
  if (r.status === 200) return true;
  if (r.status === 404) return false;
  throw new Error(`looking up voter ${voterId} answered ${r.status}: ${JSON.stringify(r.body)}`);
}
