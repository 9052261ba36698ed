/**
 * The reference: a minimal durable vote ingest written for the benchmark alone, so pollcast's
 * figures can be read as a ratio to what this machine and this PostgreSQL can do at all. It is what
 * ARCHITECTURE.md calls the minimal durable loop: node:http + pg, votes gathered into one multi-row
 * `INSERT … ON CONFLICT DO NOTHING` under the unique key (poll_id, voter_id), every vote answered
 * after the COMMIT of its batch (201 stored, 409 already voted; small JSON with content-length), and
 * nothing else: no auth, no rate limits, no tallies, no outbox, no logging, no metrics.
 *
 * Group commit: a vote waits until MAX_BATCH votes are queued or MAX_WAIT_MS have passed since the
 * first one, then its batch is sent on one of IN_FLIGHT connections (at most IN_FLIGHT batches
 * commit at once; the rest queue). Each batch is sorted by its key and deduplicated first, as
 * pollcast does (two concurrent batches with overlapping keys in different orders can deadlock).
 * The INSERT is one statement in autocommit, so its COMMIT has happened when its result arrives.
 *
 * The HTTP surface is the few routes the harness uses: POST /v1/polls (an in-memory poll, no row),
 * POST /v1/polls/:id/votes, GET /v1/polls/:id/votes/me?voterId= (200/404, for the stored-votes
 * check), GET /v1/polls/:id/results ({ total }), GET /readyz.
 *
 * Usage: node reference-server.js <port> <postgres-url> <schema>
 *   env REFERENCE_MAX_BATCH (500), REFERENCE_MAX_WAIT_MS (2), REFERENCE_IN_FLIGHT (2): the same
 *   defaults as pollcast's GROUP_COMMIT_MAX_BATCH and GROUP_COMMIT_MAX_WAIT_MS.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import pg from 'pg';

const [portArg, dbUrl, schema] = process.argv.slice(2);
const port = Number(portArg);
if (!Number.isInteger(port) || port <= 0 || !dbUrl || !schema || !/^[a-z_][a-z0-9_]*$/.test(schema)) {
  process.stderr.write('usage: reference-server <port> <postgres-url> <schema>\n');
  process.exit(2);
}
const MAX_BATCH = Number(process.env.REFERENCE_MAX_BATCH ?? 500);
const MAX_WAIT_MS = Number(process.env.REFERENCE_MAX_WAIT_MS ?? 2);
const IN_FLIGHT = Number(process.env.REFERENCE_IN_FLIGHT ?? 2);

const pool = new pg.Pool({ connectionString: dbUrl, max: IN_FLIGHT + 1 });
// An idle connection's error (PostgreSQL restarted) is logged; the next batch gets a new connection.
pool.on('error', (err) => process.stderr.write(`reference: idle connection: ${err.message}\n`));
await pool.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
await pool.query(`CREATE TABLE IF NOT EXISTS "${schema}".votes (poll_id text NOT NULL, voter_id text NOT NULL, option_id text NOT NULL, PRIMARY KEY (poll_id, voter_id))`);
const INSERT = {
  name: 'reference-insert',
  text: `INSERT INTO "${schema}".votes (poll_id, voter_id, option_id)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING RETURNING poll_id, voter_id`,
};

const polls = new Map<string, Set<string>>();

interface Pending {
  pollId: string;
  voterId: string;
  optionId: string;
  res: ServerResponse;
}

let queue: Pending[] = [];
let timer: NodeJS.Timeout | null = null;
let inFlight = 0;
/** Full batches waiting for a free connection. */
const ready: Pending[][] = [];

function enqueue(p: Pending): void {
  queue.push(p);
  if (queue.length >= MAX_BATCH) cut();
  else timer ??= setTimeout(cut, MAX_WAIT_MS);
}

function cut(): void {
  if (timer !== null) clearTimeout(timer);
  timer = null;
  if (queue.length === 0) return;
  ready.push(queue);
  queue = [];
  pump();
}

function pump(): void {
  while (inFlight < IN_FLIGHT && ready.length > 0) {
    inFlight += 1;
    void commit(ready.shift()!).finally(() => {
      inFlight -= 1;
      pump();
    });
  }
}

async function commit(batch: Pending[]): Promise<void> {
  batch.sort((a, b) => (a.pollId < b.pollId ? -1 : a.pollId > b.pollId ? 1 : a.voterId < b.voterId ? -1 : a.voterId > b.voterId ? 1 : 0));
  // The first vote of a voter in the batch is the one sent; a repeat within the batch is a 409.
  const sent: Pending[] = [];
  const repeats: Pending[] = [];
  for (let i = 0; i < batch.length; i++) {
    const p = batch[i]!;
    const prev = sent[sent.length - 1];
    if (prev && prev.pollId === p.pollId && prev.voterId === p.voterId) repeats.push(p);
    else sent.push(p);
  }
  let inserted: Set<string>;
  try {
    const r = await pool.query<{ poll_id: string; voter_id: string }>({
      ...INSERT,
      values: [sent.map((p) => p.pollId), sent.map((p) => p.voterId), sent.map((p) => p.optionId)],
    });
    inserted = new Set(r.rows.map((row) => row.poll_id + '\n' + row.voter_id));
  } catch (err) {
    process.stderr.write(`reference: batch of ${batch.length} failed: ${(err as Error).message}\n`);
    for (const p of batch) send(p.res, 503, '{"code":"unavailable"}');
    return;
  }
  for (const p of sent) {
    if (inserted.has(p.pollId + '\n' + p.voterId)) send(p.res, 201, `{"voted":true,"optionIds":["${p.optionId}"]}`);
    else send(p.res, 409, '{"code":"already_voted"}');
  }
  for (const p of repeats) send(p.res, 409, '{"code":"already_voted"}');
}

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function readBody(req: IncomingMessage, done: (text: string) => void): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => done(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')));
}

const VOTES = /^\/v1\/polls\/([A-Za-z0-9_-]+)\/votes$/;
const ME = /^\/v1\/polls\/([A-Za-z0-9_-]+)\/votes\/me\?voterId=([^&]+)$/;
const RESULTS = /^\/v1\/polls\/([A-Za-z0-9_-]+)\/results$/;

function vote(pollId: string, text: string, res: ServerResponse): void {
  const options = polls.get(pollId);
  if (!options) return send(res, 404, '{"code":"poll_not_found"}');
  let body: { voterId?: unknown; optionIds?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return send(res, 400, '{"code":"bad_json"}');
  }
  const optionId = Array.isArray(body.optionIds) && body.optionIds.length === 1 ? body.optionIds[0] : undefined;
  if (typeof body.voterId !== 'string' || body.voterId.length === 0 || body.voterId.length > 128 || typeof optionId !== 'string' || !options.has(optionId)) {
    return send(res, 400, '{"code":"bad_vote"}');
  }
  enqueue({ pollId, voterId: body.voterId, optionId, res });
}

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  if (req.method === 'POST') {
    const m = VOTES.exec(url);
    if (m) return readBody(req, (text) => vote(m[1]!, text, res));
    if (url === '/v1/polls') {
      return readBody(req, () => {
        const id = 'ref_' + randomBytes(8).toString('hex');
        const options = ['a', 'b', 'c', 'd'];
        polls.set(id, new Set(options));
        send(res, 201, JSON.stringify({ poll: { id, options: options.map((o) => ({ id: o })) }, ownerToken: 'none' }));
      });
    }
  } else if (req.method === 'GET') {
    req.resume();
    if (url === '/readyz') return send(res, 200, '{"status":"ready"}');
    const me = ME.exec(url);
    if (me) {
      void pool
        .query(`SELECT 1 FROM "${schema}".votes WHERE poll_id = $1 AND voter_id = $2`, [me[1], decodeURIComponent(me[2]!)])
        .then((r) => send(res, r.rowCount ? 200 : 404, r.rowCount ? '{"voted":true}' : '{"code":"not_found"}'), () => send(res, 503, '{}'));
      return;
    }
    const results = RESULTS.exec(url);
    if (results) {
      void pool
        .query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".votes WHERE poll_id = $1`, [results[1]])
        .then((r) => send(res, 200, JSON.stringify({ total: r.rows[0]!.n })), () => send(res, 503, '{}'));
      return;
    }
  }
  req.resume();
  send(res, 404, '{"code":"not_found"}');
});
// Keep-alive connections live as long as the load generator keeps them (as pollcast's do).
server.keepAliveTimeout = 75_000;
server.listen(port, '127.0.0.1');

const close = () => {
  server.close();
  server.closeAllConnections();
  void pool.end().then(() => process.exit(0));
};
process.on('SIGTERM', close);
process.on('SIGINT', close);
