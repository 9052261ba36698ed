/**
 * The listen backlog: HTTP_LISTEN_BACKLOG reaches the kernel, which caps it at net.core.somaxconn.
 * Read back from the listening socket with `ss` (its Send-Q column is the socket's accept-queue
 * limit). Node's default is 511: a surge of 1,000 clients connecting in the same instant then
 * overflows the accept queue, and the kernel drops SYNs and handshake ACKs (retried after 1 s, 3 s,
 * 7 s …), which ends in 408s, resets and connect timeouts (test/http/concurrency.test.ts).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { startTestApp } from '../support/app.js';
import { REQUIRE_SERVICES } from '../support/services.js';

const ss = spawnSync('ss', ['-V'], { encoding: 'utf8' });
let skip: string | false = false;
if (ss.error || process.platform !== 'linux') {
  if (REQUIRE_SERVICES) throw new Error('REQUIRE_SERVICES=1 and `ss` (iproute2) is not available to read the listen backlog back');
  skip = 'skipped: needs Linux and `ss` (iproute2)';
}

function somaxconn(): number {
  return Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim());
}

/** The accept-queue limit of the socket listening on `port` (ss's Send-Q for a listener). */
function listenBacklog(port: number): number {
  const r = spawnSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' });
  const line = r.stdout.trim().split('\n')[0] ?? '';
  const cols = line.split(/\s+/);
  assert.equal(cols[0], 'LISTEN', `ss found no listener on port ${port}: ${r.stdout}${r.stderr}`);
  return Number(cols[2]);
}

describe('listen backlog', () => {
  it('HTTP_LISTEN_BACKLOG: default 8,192, at least 1, a number', () => {
    assert.equal(loadConfig({}).http.listenBacklog, 8_192);
    assert.equal(loadConfig({ HTTP_LISTEN_BACKLOG: '1024' }).http.listenBacklog, 1_024);
    for (const bad of ['0', '-5', 'lots']) assert.throws(() => loadConfig({ HTTP_LISTEN_BACKLOG: bad }), /HTTP_LISTEN_BACKLOG/, bad);
  });

  it('the listening socket gets min(HTTP_LISTEN_BACKLOG, net.core.somaxconn)', { skip }, async () => {
    const max = somaxconn();
    for (const [env, asked] of [[{}, 8_192], [{ HTTP_LISTEN_BACKLOG: '700' }, 700]] as const) {
      const t = await startTestApp(env);
      try {
        assert.equal(listenBacklog(t.app.port), Math.min(asked, max), `asked ${asked}, net.core.somaxconn ${max}`);
      } finally {
        await t.stop();
      }
    }
  });
});
