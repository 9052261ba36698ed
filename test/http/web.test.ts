/**
 * How the api role serves the browser app: cache headers (immutable hashed assets, revalidated
 * HTML), precompressed copies, the app's addresses for browsers vs API clients, join-code
 * redirects. Builds web/dist first when it is missing or stale.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { call, createPoll, startTestApp, type TestApp } from '../support/app.js';
import { ensureWebBuilt } from '../support/browser.js';
import { assertProblem } from '../support/problem.js';

const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

describe('web app serving', () => {
  let t: TestApp;
  let u: string;
  before(async () => {
    ensureWebBuilt();
    t = await startTestApp();
    u = t.url;
  });
  after(() => t?.stop());

  it('the app addresses answer index.html to browsers, revalidated on every use', async () => {
    for (const path of ['/', '/p/7kQx3mWbzR2a', '/p/7kQx3mWbzR2a/results', '/p/7kQx3mWbzR2a/present', '/embed/7kQx3mWbzR2a', '/j', '/j/not-a-code', '/j/k7ta9x', '/K7TA9X', '/k7ta9x', '/e/new', '/e/ev_AAAAAAAAAAAA/present', '/login', '/signup', '/account', '/w/w_abcdefghijkm', '/w/w_abcdefghijkm/keys']) {
      const r = await call(u, 'GET', path, undefined, HTML);
      assert.equal(r.status, 200, path);
      assert.match(r.headers.get('content-type') ?? '', /^text\/html/, path);
      assert.equal(r.headers.get('cache-control'), 'no-cache', path);
      assert.match(r.text, /<div id="app">/, path);
    }
  });

  it('API clients asking for those addresses get problem+json, not HTML', async () => {
    assertProblem(await call(u, 'GET', '/'), 'not_found', 'GET / */*');
    assertProblem(await call(u, 'GET', '/p/7kQx3mWbzR2a'), 'not_found', 'GET /p/… */*');
    assertProblem(await call(u, 'GET', '/v1/nothing-here', undefined, HTML), 'not_found', '/v1/ stays JSON for browsers too');
  });

  it('any other address gives a browser the app (404), so it shows "nothing here", not JSON', async () => {
    for (const path of ['/no/such/page', '/robots.txt', '/toolongforacode']) {
      const r = await call(u, 'GET', path, undefined, HTML);
      assert.equal(r.status, 404, path);
      assert.match(r.headers.get('content-type') ?? '', /^text\/html/, path);
    }
    assertProblem(await call(u, 'GET', '/robots.txt'), 'not_found', 'an API client at a top-level address');
  });

  it('hashed assets are immutable for a year and sent precompressed; /embed.js is revalidated', async () => {
    const index = (await call(u, 'GET', '/', undefined, HTML)).text;
    const js = /src="(\/assets\/[^"]+\.js)"/.exec(index)?.[1];
    const css = /href="(\/assets\/[^"]+\.css)"/.exec(index)?.[1];
    assert.ok(js && css, index);
    for (const path of [js, css]) {
      const r = await fetch(u + path, { headers: { 'accept-encoding': 'br, gzip' } });
      assert.equal(r.status, 200, path);
      assert.equal(r.headers.get('cache-control'), 'public, max-age=31536000, immutable', path);
      assert.equal(r.headers.get('content-encoding'), 'br', path);
      assert.match(r.headers.get('vary') ?? '', /accept-encoding/i, path);
      await r.arrayBuffer();
    }
    const plain = await call(u, 'GET', js, undefined, { 'accept-encoding': 'identity' });
    assert.equal(plain.status, 200);
    assert.equal(plain.headers.get('content-encoding'), null);
    const embed = await call(u, 'GET', '/embed.js');
    assert.equal(embed.status, 200);
    assert.match(embed.headers.get('content-type') ?? '', /javascript/);
    assert.equal(embed.headers.get('cache-control'), 'no-cache');
    assertProblem(await call(u, 'GET', '/assets/missing-abc123.js'), 'not_found', 'a missing asset');
  });

  it('a join code redirects to the vote page, with or without dashes', async () => {
    const { poll } = await createPoll(u);
    const code = poll.id.replace(/(.{4})(?=.)/g, '$1-');
    for (const c of [code, poll.id, encodeURIComponent(code.replace(/-/g, ' '))]) {
      const r = await fetch(`${u}/j/${c}`, { redirect: 'manual' });
      assert.equal(r.status, 302, c);
      assert.equal(r.headers.get('location'), `/p/${poll.id}`, c);
    }
  });

  it('the app routes stay out of the OpenAPI document', async () => {
    const doc = (await call(u, 'GET', '/v1/openapi.json')).json as { paths: Record<string, unknown> };
    assert.deepEqual(Object.keys(doc.paths).filter((p) => !p.startsWith('/v1/')), []);
  });
});
