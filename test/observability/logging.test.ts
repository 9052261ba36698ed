/**
 * Logs: JSON lines; every request-scoped line carries the request id (and, with tracing on, the
 * trace id of the request's span); secrets sent in headers, cookies, query strings and bodies
 * never appear, not even at debug level and not in an error log; no line per vote at info.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startApp, type RunningApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger, scrubText } from '../../src/observability/logger.js';
import { call, createPoll, voteHeaders } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { startOtlpReceiver, type OtlpReceiver } from './otlp-receiver.js';

interface Captured {
  lines: string[];
  records(): Array<Record<string, unknown>>;
}

function capture(): Captured & { write(s: string): void } {
  const lines: string[] = [];
  return {
    lines,
    write: (s: string) => void lines.push(s),
    records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

async function start(env: Record<string, string>, out: Captured & { write(s: string): void }): Promise<{ app: RunningApp; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'pollcast-log-'));
  const config = loadConfig({ DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1', EMBEDDED_SYNC: 'normal', ...env });
  const app = await startApp(config, { logger: createLogger(config, out), prefix: 'pollcast_log' });
  return {
    app,
    async stop() {
      await app.shutdown('test');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('logs at debug level with tracing on', () => {
  const out = capture();
  let receiver: OtlpReceiver;
  let t: Awaited<ReturnType<typeof start>>;
  before(async () => {
    receiver = await startOtlpReceiver();
    t = await start({ LOG_LEVEL: 'debug', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }, out);
  });
  after(async () => {
    await t?.stop();
    await receiver?.close();
  });

  it('redacts every secret a client sends, including in an error log', async () => {
    const url = t.app.url;
    const { poll, ownerToken } = await createPoll(url, { identityMode: 'device' });
    const first = await call(url, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [poll.options[0]!.id] });
    assert.equal(first.status, 201, first.text);
    const voterToken = first.json.voterToken as string;
    assert.ok(voterToken.length > 10, 'voterToken.length > 10');
    const cookieSecret = 'cookie-secret-' + 'c'.repeat(20);
    const bearerSecret = 'bearer-secret-' + 'b'.repeat(20);
    const bodySecret = 'body-secret-' + 'd'.repeat(20);

    // Headers, cookies, query strings and bodies, on good and bad requests.
    await call(url, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [poll.options[1]!.id] }, { 'x-voter-token': voterToken });
    await call(url, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [poll.options[1]!.id] }, { cookie: `pollcast_voter=${voterToken}; other=${cookieSecret}` });
    await call(url, 'GET', `/v1/polls/${poll.id}/results?ownerToken=${ownerToken}`);
    await call(url, 'PATCH', `/v1/polls/${poll.id}`, { question: 'new?', ownerToken: bodySecret }, { authorization: `Bearer ${ownerToken}` });
    await call(url, 'DELETE', `/v1/polls/${poll.id}`, undefined, { authorization: `Bearer ${bearerSecret}`, 'x-api-key': bearerSecret });

    // An error log: the store goes away under a request that carries secrets.
    await t.app.ports.store.close();
    const failed = await call(url, 'GET', `/v1/polls/222222222222/results?ownerToken=${ownerToken}`, undefined, {
      authorization: `Bearer ${ownerToken}`,
      'x-voter-token': voterToken,
      cookie: `pollcast_voter=${voterToken}`,
    });
    assert.ok(failed.status >= 500, `the store is closed: ${failed.status} ${failed.text}`);
    const errorLine = await eventually(() => out.records().find((r) => (r.level as number) >= 50), 'an error line is logged');
    assert.ok(errorLine.err, 'the error line carries the error');

    const text = out.lines.join('');
    for (const secret of [ownerToken, voterToken, cookieSecret, bearerSecret, bodySecret]) {
      assert.ok(!text.includes(secret), `a secret leaked into the logs: ${secret.slice(0, 12)}…`);
    }
    assert.ok(text.includes('[redacted]'), 'the debug lines did log the (censored) headers');
  });

  it('puts the request id and the trace id on every request-scoped line', async () => {
    const requestLines = out.records().filter((r) => r.reqId !== undefined);
    assert.ok(requestLines.length >= 7, `request lines: ${requestLines.length}`);
    for (const r of requestLines) {
      assert.equal(typeof r.reqId, 'string');
      assert.match(String(r.trace_id), /^[0-9a-f]{32}$/, JSON.stringify(r));
    }
    // The trace id on the lines is the one exported for the request.
    const line = requestLines.find((r) => r.msg === 'request completed' && (r.req as { route?: string }).route === '/v1/polls/:pollId/votes')!;
    await eventually(() => receiver.spans.some((s) => s.traceId === line.trace_id && s.name === 'POST /v1/polls/:pollId/votes'), 'the span with that trace id is exported', 10_000);
  });

  it('masks credentials inside URLs and token query parameters in free text', () => {
    assert.equal(scrubText('connect postgres://app:hunter2@db:5432/x failed'), 'connect postgres://[redacted]@db:5432/x failed');
    assert.equal(scrubText('/v1/polls/abc/results/stream?ownerToken=s3cr3t&x=1'), '/v1/polls/abc/results/stream?ownerToken=[redacted]&x=1');
    const lines = capture();
    const logger = createLogger({ logLevel: 'info', role: 'all' }, lines);
    logger.warn({ err: new Error('redis://:pw123@cache:6379 refused'), password: 'pw123', nested: { deeper: { secret: 'pw123' } } }, 'redis://u:pw123@h down');
    assert.ok(!lines.lines.join('').includes('pw123'), lines.lines.join(''));
  });
});

describe('logs at info level', () => {
  const out = capture();
  let t: Awaited<ReturnType<typeof start>>;
  before(async () => {
    t = await start({ LOG_LEVEL: 'info' }, out);
  });
  after(() => t?.stop());

  it('writes no line per vote', async () => {
    const { poll, ownerToken } = await createPoll(t.app.url, { identityMode: 'open' });
    const before = out.lines.length;
    for (let i = 0; i < 30; i++) {
      const r = await call(t.app.url, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [poll.options[i % 3]!.id], voterId: `v${i}` }, voteHeaders(ownerToken));
      assert.equal(r.status, 201);
    }
    await call(t.app.url, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [poll.options[0]!.id], voterId: 'v0' }, voteHeaders(ownerToken));
    assert.equal(out.lines.length, before, out.lines.slice(before).join(''));
    const start = out.records().find((r) => r.msg === 'pollcast is serving')!;
    assert.equal(start.service, 'pollcast');
    assert.equal(start.level, 30);
  });
});

describe('logs at debug level: account secrets', () => {
  const out = capture();
  let t: Awaited<ReturnType<typeof start>>;
  before(async () => {
    t = await start({ LOG_LEVEL: 'debug' }, out);
  });
  after(() => t?.stop());

  it('never logs account secrets: passwords, session cookies, CSRF tokens, API keys, invite codes', async () => {
    const url = t.app.url;
    const password = 'pa55word-' + Math.random().toString(36).slice(2);
    const signup = await call(url, 'POST', '/v1/auth/signup', { email: `log-${Date.now()}@example.test`, password });
    assert.equal(signup.status, 201);
    const session = (signup.headers.get('set-cookie') ?? '').split(';')[0]!;
    const csrf = signup.json.csrfToken as string;
    const h = { cookie: session, 'x-csrf-token': csrf };
    await call(url, 'POST', '/v1/auth/login', { email: signup.json.user.email, password: password + 'wrong' });
    const me = await call(url, 'GET', '/v1/me', undefined, h);
    assert.equal(me.status, 200, me.text);
    const ws = me.json.workspaces[0].id as string;
    const key = (await call(url, 'POST', `/v1/workspaces/${ws}/api-keys`, { name: 'k', scopes: ['polls:write'] }, h)).json.key as string;
    const created = await call(url, 'POST', '/v1/polls', { question: 'Q?', options: ['a', 'b'], workspaceId: ws, identityMode: 'invite' }, { authorization: `Bearer ${key}` });
    assert.equal(created.status, 201, created.text);
    const poll = created.json.poll;
    const [code] = (await call(url, 'POST', `/v1/polls/${poll.id}/invites`, { count: 1 }, { authorization: `Bearer ${key}` })).json.codes as string[];
    assert.equal((await call(url, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [poll.options[0].id], inviteCode: code }, h)).status, 201);
    await call(url, 'GET', `/v1/polls/${poll.id}/votes/me?inviteCode=${code}`);
    await call(url, 'POST', '/v1/me/password', { currentPassword: password, newPassword: password + '-new' }, h);
    const all = out.lines.join('');
    assert.ok(out.lines.length > 10, 'debug lines were written');
    for (const [what, secret] of [['password', password], ['session cookie', session.split('=')[1]!], ['csrf token', csrf], ['api key', key], ['invite code', code!]] as const) {
      assert.ok(!all.includes(secret), `${what} appears in the logs`);
    }
  });
});
