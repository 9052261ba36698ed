/**
 * Webhook delivery end to end against a real receiver this test starts (node:http on 127.0.0.1,
 * allow-listed): a workspace poll opens, crosses 100 votes and closes; every subscribed endpoint
 * gets each event exactly once, signed so the receiver verifies it; a receiver answering 500 or
 * hanging past the timeout is retried with the same webhook-id until it answers; one that never
 * does is dead after the bound (a short schedule), with every attempt's status code in the log;
 * replay of one delivery and of a time range sends it again with the same webhook-id. Every
 * request the receiver gets is recorded, and the counts are exact.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { verifySignature } from '../../src/domain/webhook-signature.js';
import { call, startTestApp, type TestApp } from '../support/app.js';
import { signUp, workspacePoll, type Actor } from '../support/accounts.js';
import { eventually } from '../support/eventually.js';
import { assertProblem } from '../support/problem.js';

interface Received {
  path: string;
  id: string;
  type: string;
  headers: Record<string, string>;
  body: string;
  answered: number | 'hung';
}

describe('webhook delivery from outbox events, against a real receiver', () => {
  let server: Server;
  let base: string;
  const received: Received[] = [];
  /** Path → how to answer: a fixed status, or a list consumed one per request ('hang' never answers). */
  const plan = new Map<string, Array<number | 'hang'> | number>();
  const hung: ServerResponse[] = [];
  let t: TestApp;
  let owner: Actor;
  let ws: string;
  const secrets = new Map<string, string>();
  const hookIds = new Map<string, string>();

  before(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const path = req.url ?? '';
        const p = plan.get(path) ?? 204;
        const next = Array.isArray(p) ? (p.shift() ?? 204) : p;
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
        received.push({
          path,
          id: headers['webhook-id'] ?? '',
          type: (JSON.parse(body) as { type: string }).type,
          headers,
          body,
          answered: next === 'hang' ? 'hung' : next,
        });
        if (next === 'hang') return void hung.push(res);
        res.writeHead(next).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    t = await startTestApp({
      WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1/32',
      WEBHOOK_TIMEOUT_MS: '300',
      DELIVERY_RETRY_BASE_MS: '50',
      DELIVERY_RETRY_MAX_DELAY_MS: '200',
      DELIVERY_MAX_ATTEMPTS: '4',
    });
    owner = await signUp(t.url, 'Hooks');
    ws = owner.workspaceId!;
    const endpoints: Array<[string, string[]]> = [
      ['/all', ['poll.opened', 'poll.closed', 'results.final', 'votes.milestone']],
      ['/flaky', ['poll.closed']],
      ['/slow', ['poll.closed']],
      ['/down', ['poll.closed']],
      ['/milestones', ['votes.milestone']],
    ];
    for (const [path, events] of endpoints) {
      const r = await call(t.url, 'POST', `/v1/workspaces/${ws}/webhooks`, { url: base + path, events }, owner.headers);
      assert.equal(r.status, 201, r.text);
      secrets.set(path, r.json.secret as string);
      hookIds.set(path, r.json.webhook.id as string);
    }
  });
  after(async () => {
    await t?.stop();
    for (const r of hung) r.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const at = (path: string) => received.filter((r) => r.path === path);
  const log = async (path: string) => {
    const r = await call(
      t.url,
      'GET',
      `/v1/workspaces/${ws}/webhooks/${hookIds.get(path)}/deliveries`,
      undefined,
      owner.headers,
    );
    assert.equal(r.status, 200, r.text);
    return r.json.deliveries as Array<{
      id: string;
      eventId: string;
      eventType: string;
      status: string;
      attempts: number;
      lastStatus: number | null;
      lastError: string | null;
    }>;
  };

  it('opens, crosses 100 votes, closes: each subscribed endpoint gets each event once, signed; failures retried with the same id; the bound ends in a dead letter', async () => {
    plan.set('/flaky', [500, 500]);
    plan.set('/slow', ['hang']);
    plan.set('/down', 503);
    const poll = await workspacePoll(t.url, owner, ws, { status: 'draft' });
    assert.equal((await call(t.url, 'POST', `/v1/polls/${poll.id}/open`, undefined, owner.headers)).status, 200);
    for (let i = 0; i < 105; i++) {
      const v = await call(t.url, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [poll.options[i % 2]!.id] });
      assert.equal(v.status, 201, v.text);
    }
    assert.equal((await call(t.url, 'POST', `/v1/polls/${poll.id}/close`, undefined, owner.headers)).status, 200);

    await eventually(
      () => at('/all').length >= 4 && at('/milestones').length >= 1,
      'the /all endpoint got its four events',
      10_000,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}; got ${JSON.stringify(received.map((r) => [r.path, r.type, r.answered]))}`);
    });
    await eventually(
      async () =>
        (await log('/down'))[0]?.status === 'dead' &&
        (await log('/flaky'))[0]?.status === 'delivered' &&
        (await log('/slow'))[0]?.status === 'delivered',
      'retries settled',
      15_000,
    );
    // Settled: give a stray duplicate the chance to show up before counting.
    await new Promise((r) => setTimeout(r, 500));

    const all = at('/all');
    assert.deepEqual(
      all.map((r) => r.type).sort(),
      ['poll.closed', 'poll.opened', 'results.final', 'votes.milestone'],
      'each event once',
    );
    assert.equal(new Set(all.map((r) => r.id)).size, 4, 'distinct webhook-ids');
    const nowS = Math.floor(Date.now() / 1000);
    for (const r of received) {
      const path = r.path;
      assert.ok(
        verifySignature(secrets.get(path)!, r.headers, r.body, nowS),
        `signature of ${r.type} to ${path} verifies`,
      );
    }
    const milestone = JSON.parse(all.find((r) => r.type === 'votes.milestone')!.body) as {
      data: { milestone: number; pollId: string; workspaceId: string };
    };
    assert.deepEqual([milestone.data.milestone, milestone.data.pollId, milestone.data.workspaceId], [100, poll.id, ws]);
    assert.deepEqual(
      at('/milestones').map((r) => r.type),
      ['votes.milestone'],
      'the milestone once, to the endpoint that wants only it',
    );
    const final = JSON.parse(all.find((r) => r.type === 'results.final')!.body) as {
      data: { results: { total: number; options: Array<{ votes: number; text: string }> } };
    };
    assert.equal(final.data.results.total, 105);
    assert.deepEqual(final.data.results.options.map((o) => o.votes).sort(), [52, 53]);

    const flaky = at('/flaky');
    assert.deepEqual(
      flaky.map((r) => r.answered),
      [500, 500, 204],
      'two 500s, then delivered',
    );
    assert.equal(new Set(flaky.map((r) => r.id)).size, 1, 'the same webhook-id on every attempt');
    const slow = at('/slow');
    assert.deepEqual(
      slow.map((r) => r.answered),
      ['hung', 204],
      'a timeout, then delivered',
    );
    assert.equal(new Set(slow.map((r) => r.id)).size, 1);
    const down = at('/down');
    assert.equal(down.length, 4, 'DELIVERY_MAX_ATTEMPTS attempts, then no more');
    assert.equal(new Set(down.map((r) => r.id)).size, 1);

    const [dead] = await log('/down');
    assert.deepEqual(
      [dead!.status, dead!.attempts, dead!.lastStatus, dead!.eventType],
      ['dead', 4, 503, 'poll.closed'],
    );
    const one = await call(
      t.url,
      'GET',
      `/v1/workspaces/${ws}/webhooks/${hookIds.get('/down')}/deliveries/${dead!.id}`,
      undefined,
      owner.headers,
    );
    assert.equal(one.status, 200, one.text);
    assert.deepEqual(
      (one.json.attempts as Array<{ status: number }>).map((a) => a.status),
      [503, 503, 503, 503],
    );
    const [slowLog] = await log('/slow');
    assert.equal(slowLog!.attempts, 2);
  });

  it('replays one dead delivery and a time range with the same webhook-id; the receiver can dedupe', async () => {
    plan.set('/down', 204);
    const [dead] = await log('/down');
    const before = at('/down').length;
    const r = await call(
      t.url,
      'POST',
      `/v1/workspaces/${ws}/webhooks/${hookIds.get('/down')}/deliveries/${dead!.id}/replay`,
      undefined,
      owner.headers,
    );
    assert.equal(r.status, 202, r.text);
    assert.equal(r.json.replayed, 1);
    await eventually(async () => (await log('/down'))[0]?.status === 'delivered', 'the replay delivered', 10_000);
    assert.equal(at('/down').length, before + 1);
    assert.equal(at('/down').at(-1)!.id, dead!.eventId, 'the same webhook-id as the first attempts');

    // A range replay of everything (not only failures) sends /all's four deliveries again.
    const allBefore = at('/all').length;
    const range = await call(
      t.url,
      'POST',
      `/v1/workspaces/${ws}/webhooks/${hookIds.get('/all')}/replay`,
      {
        from: new Date(Date.now() - 3_600_000).toISOString(),
        to: new Date(Date.now() + 1000).toISOString(),
        onlyFailed: false,
      },
      owner.headers,
    );
    assert.equal(range.status, 202, range.text);
    assert.equal(range.json.replayed, 4);
    await eventually(() => at('/all').length === allBefore + 4, 'the range replay delivered', 10_000);
    const firstIds = new Set(
      at('/all')
        .slice(0, allBefore)
        .map((x) => x.id),
    );
    assert.ok(
      at('/all')
        .slice(allBefore)
        .every((x) => firstIds.has(x.id)),
      'replays reuse the ids',
    );
    // Only failed ones (none now): nothing.
    const none = await call(
      t.url,
      'POST',
      `/v1/workspaces/${ws}/webhooks/${hookIds.get('/all')}/replay`,
      { from: new Date(0).toISOString(), to: new Date(Date.now() + 1000).toISOString() },
      owner.headers,
    );
    assert.equal(none.json.replayed, 0);
  });

  it('bad input and authorization: unknown delivery, reversed range → 4xx with stable codes; an editor is refused', async () => {
    const hook = hookIds.get('/all')!;
    assertProblem(
      await call(t.url, 'GET', `/v1/workspaces/${ws}/webhooks/${hook}/deliveries/dl_nope`, undefined, owner.headers),
      'delivery_not_found',
    );
    assertProblem(
      await call(
        t.url,
        'POST',
        `/v1/workspaces/${ws}/webhooks/${hook}/deliveries/dl_nope/replay`,
        undefined,
        owner.headers,
      ),
      'delivery_not_found',
    );
    const now = Date.now();
    assertProblem(
      await call(
        t.url,
        'POST',
        `/v1/workspaces/${ws}/webhooks/${hook}/replay`,
        { from: new Date(now).toISOString(), to: new Date(now - 1000).toISOString() },
        owner.headers,
      ),
      'invalid_time_range',
    );
    assertProblem(
      await call(
        t.url,
        'POST',
        `/v1/workspaces/${ws}/webhooks/${hook}/replay`,
        { from: 'yesterday', to: 'today' },
        owner.headers,
      ),
      'validation_failed',
    );
    assertProblem(
      await call(t.url, 'GET', `/v1/workspaces/${ws}/webhooks/wh_unknown/deliveries`, undefined, owner.headers),
      'webhook_not_found',
    );
    const stranger = await signUp(t.url, 'Stranger');
    assertProblem(
      await call(t.url, 'GET', `/v1/workspaces/${ws}/webhooks/${hook}/deliveries`, undefined, stranger.headers),
      'workspace_not_found',
    );
    assertProblem(
      await call(t.url, 'GET', `/v1/workspaces/${ws}/webhooks/${hook}/deliveries`),
      'authentication_required',
    );
  });
});
