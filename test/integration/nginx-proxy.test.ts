/**
 * The shipped deploy/nginx/nginx.conf with Debian's nginx in front of a real pollcast (embedded,
 * in-process), with a dead second api server in the upstream: votes still pass (a refused
 * connection moves to the next server: passive failover), live results stream through unbuffered,
 * and oversized bodies are refused at the proxy.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, createPoll, startTestApp, voteHeaders, type TestApp } from '../support/app.js';
import { freePort } from '../support/postgres.js';
import { nginxBinary, startNginx, type Nginx } from '../support/nginx.js';
import { SseStream } from '../support/sse.js';

let skip: string | false = false;
if (!nginxBinary()) {
  if (process.env.REQUIRE_SERVICES === '1') throw new Error('REQUIRE_SERVICES=1 and nginx is not installed (apt-get install -y nginx)');
  skip = 'skipped: nginx is not installed (apt-get install -y nginx)';
}

describe('nginx in front of pollcast (deploy/nginx/nginx.conf)', { skip, timeout: 60_000 }, () => {
  let t: TestApp;
  let nginx: Nginx;

  before(async () => {
    t = await startTestApp({ TRUST_PROXY: '127.0.0.1' });
    const live = new URL(t.url).host;
    const dead = `127.0.0.1:${await freePort()}`;
    nginx = await startNginx({ pollcast_api: [dead, live], pollcast_realtime: [live] });
  });

  after(async () => {
    await nginx?.stop();
    await t?.stop();
  });

  it('passes every vote although one api server is down (refused connections move to the next server)', async () => {
    const { poll, ownerToken } = await createPoll(nginx.url, { identityMode: 'open' });
    for (let i = 0; i < 20; i++) {
      const r = await call(nginx.url, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [poll.options[i % 3]!.id], voterId: `n${i}` }, voteHeaders(ownerToken));
      assert.equal(r.status, 201, `${r.status} ${r.text}\n${nginx.output()}`);
    }
    const results = await call(nginx.url, 'GET', `/v1/polls/${poll.id}/results`);
    assert.equal(results.json.total, 20);
  });

  it('streams live results unbuffered: a vote shows on the stream through nginx within a second', async () => {
    const { poll, ownerToken } = await createPoll(nginx.url, { identityMode: 'open' });
    const s = await SseStream.open(`${nginx.url}/v1/polls/${poll.id}/results/stream`);
    try {
      assert.equal(s.status, 200, s.errorText);
      assert.match(s.headers.get('content-type') ?? '', /^text\/event-stream/);
      assert.equal(s.headers.get('content-encoding'), null, 'not compressed');
      await s.waitFor((e) => e.event === 'results', 5_000, 'the initial state');
      const r = await call(nginx.url, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [poll.options[0]!.id], voterId: 'streamed' }, voteHeaders(ownerToken));
      assert.equal(r.status, 201, r.text);
      await s.waitFor((e) => e.event === 'results' && JSON.parse(e.data).total === 1, 1_000, 'the vote on the stream within 1 s');
    } finally {
      await s.close();
    }
  });

  it('refuses a body over the size limit at the proxy (413)', async () => {
    const r = await call(nginx.url, 'POST', '/v1/polls', JSON.stringify({ question: 'x'.repeat(70_000), options: ['a', 'b'] }));
    assert.equal(r.status, 413);
  });
});
