/**
 * The webhook sender against a real HTTP receiver this test starts on 127.0.0.1: delivered and
 * verifiable when 127.0.0.1 is on the allow-list; refused before any connection when it is not
 * (loopback, localhost, private, metadata, mapped addresses); no redirect followed; a huge answer
 * read only up to the cap; a receiver that never answers ends in a timeout.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { HttpWebhookSender, webhookUrlProblem } from '../../src/adapters/webhook/http-webhook-sender.js';
import { allowList, blockedReason } from '../../src/domain/network-address.js';
import { newWebhookSecret, signedHeaders, verifySignature } from '../../src/domain/webhook-signature.js';

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

describe('webhook sender (SSRF-safe) against a real receiver', () => {
  let server: Server;
  let base: string;
  const received: Received[] = [];
  const hung: ServerResponse[] = [];
  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ path: req.url ?? '', headers: req.headers, body });
        if (req.url === '/redirect') return res.writeHead(302, { location: '/ok' }).end();
        if (req.url === '/huge') {
          res.writeHead(200, { 'content-type': 'text/plain' });
          const chunk = Buffer.alloc(64 * 1024, 97);
          let sent = 0;
          const more = () => {
            while (sent < 10 * 1024 * 1024) {
              sent += chunk.length;
              if (!res.write(chunk)) return void res.once('drain', more);
            }
            res.end();
          };
          res.on('error', () => {});
          return more();
        }
        if (req.url === '/hang') return void hung.push(res);
        if (req.url === '/fail') return res.writeHead(503).end('busy');
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(async () => {
    for (const r of hung) r.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const allowed = new HttpWebhookSender({ allow: allowList(['127.0.0.1/32']), timeoutMs: 1_500, maxResponseBytes: 32 * 1024 });
  const strict = new HttpWebhookSender({ timeoutMs: 1_500 });

  it('delivers a signed event when the allow-list names 127.0.0.1; the receiver verifies it', async () => {
    const secret = newWebhookSecret();
    const body = JSON.stringify({ type: 'poll.closed', pollId: 'p1' });
    const before = received.length;
    const r = await allowed.send(`${base}/ok`, signedHeaders([secret], 'msg_1', Math.floor(Date.now() / 1000), body), body);
    assert.deepEqual([r.ok, r.status, r.error], [true, 204, undefined]);
    const got = received.slice(before);
    assert.equal(got.length, 1);
    assert.equal(got[0]!.body, body);
    assert.ok(verifySignature(secret, got[0]!.headers as Record<string, string>, got[0]!.body, Math.floor(Date.now() / 1000)));
    const failed = await allowed.send(`${base}/fail`, {}, '{}');
    assert.deepEqual([failed.ok, failed.status, failed.error], [false, 503, 'status']);
  });

  it('refuses loopback, localhost, private, link-local/metadata and mapped targets before connecting', async () => {
    const before = received.length;
    for (const url of [`${base}/ok`, base.replace('127.0.0.1', 'localhost') + '/ok', 'http://10.1.2.3/x', 'http://192.168.0.1/', 'http://169.254.169.254/latest/meta-data/', 'http://[::1]:80/', 'http://[::ffff:127.0.0.1]/', 'http://[fd00:ec2::254]/', 'http://0.0.0.0/', 'http://100.64.0.1/']) {
      const r = await strict.send(url, {}, '{}');
      assert.equal(r.error, 'blocked_address', `${url}: ${JSON.stringify(r)}`);
      assert.equal(r.status, null);
    }
    assert.equal(received.length, before, 'no request reached the receiver');
    assert.equal(blockedReason('8.8.8.8'), null, 'a public address is not blocked');
    assert.equal(blockedReason('2606:4700::1111'), null);
  });

  it('rejects malformed, credentialed, non-http and enormous URLs', async () => {
    assert.equal(webhookUrlProblem('https://hooks.example.com/p'), null);
    for (const [url, why] of [
      ['ftp://example.com/x', /http and https/],
      ['https://user:pw@example.com/', /credentials/],
      ['not a url', /not a URL/],
      ['https://example.com/' + 'a'.repeat(2_100), /longer than/],
    ] as const) {
      assert.match(webhookUrlProblem(url) ?? '', why, url.slice(0, 40));
      assert.equal((await strict.send(url, {}, '{}')).error, 'invalid_url');
    }
  });

  it('does not follow a redirect; reads at most the cap of a huge answer; gives up on a receiver that never answers', async () => {
    const before = received.length;
    const redirect = await allowed.send(`${base}/redirect`, {}, '{}');
    assert.deepEqual([redirect.ok, redirect.status, redirect.error], [false, 302, 'redirect']);
    assert.deepEqual(received.slice(before).map((r) => r.path), ['/redirect'], 'the Location was not requested');

    const huge = await allowed.send(`${base}/huge`, {}, '{}');
    assert.equal(huge.ok, true);
    assert.ok(huge.responseBytes <= 32 * 1024, `read ${huge.responseBytes} bytes of a 10 MiB answer`);

    const hang = await allowed.send(`${base}/hang`, {}, '{}');
    assert.deepEqual([hang.ok, hang.error], [false, 'timeout']);
  });
});
