/**
 * `pollcast status`: reads /metrics of running processes (two scrapes a second apart) and prints
 * votes/s, p99, lags and connections; a process that cannot be scraped is named and the exit code
 * says so.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { bucketDelta, parsePromText, quantile, sumOf } from '../../src/observability/prom-text.js';
import { metricsUrlOf } from '../../src/observability/status-command.js';
import { call, createPoll, startTestApp, voteHeaders, type TestApp } from '../support/app.js';
import { freePort } from '../support/postgres.js';

const run = promisify(execFile);

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the Prometheus text reader', () => {
  const text = [
    '# HELP x_seconds a histogram',
    '# TYPE x_seconds histogram',
    'x_seconds_bucket{le="0.01",route="/a"} 50',
    'x_seconds_bucket{le="0.1",route="/a"} 90',
    'x_seconds_bucket{le="+Inf",route="/a"} 100',
    'x_seconds_count{route="/a"} 100',
    'y_total{reason="say \\"hi\\"",k="a,b"} 3',
    'z NaN',
  ].join('\n');

  it('parses samples, escaped label values and special values', () => {
    const s = parsePromText(text);
    assert.equal(s.length, 6);
    assert.deepEqual(s[4]!.labels, { reason: 'say "hi"', k: 'a,b' });
    assert.ok(Number.isNaN(s[5]!.value), 'Number.isNaN(s[5]!.value)');
    assert.equal(sumOf(s, 'x_seconds_count', { route: '/a' }), 100);
    assert.equal(sumOf(s, 'z'), null);
  });

  it('computes quantiles from cumulative buckets as histogram_quantile does', () => {
    const b = new Map([[0.01, 50], [0.1, 90], [Infinity, 100]]);
    assert.equal(quantile(0.5, b), 0.01);
    assert.ok(Math.abs(quantile(0.7, b)! - 0.055) < 1e-12, 'Math.abs(quantile(0.7, b)! - 0.055) < 1e-12');
    assert.equal(quantile(0.99, b), 0.1, 'in the +Inf bucket: the highest finite bound');
    assert.equal(quantile(0.99, bucketDelta(b, b)), null);
  });

  it('accepts host:port, base URLs and metrics URLs', () => {
    assert.equal(metricsUrlOf('127.0.0.1:9'), 'http://127.0.0.1:9/metrics');
    assert.equal(metricsUrlOf('http://h:8080'), 'http://h:8080/metrics');
    assert.equal(metricsUrlOf('http://h:9464/metrics'), 'http://h:9464/metrics');
  });
});

describe('pollcast status', () => {
  let t: TestApp;
  let stop = false;
  let load: Promise<void>;
  before(async () => {
    t = await startTestApp();
    const { poll, ownerToken } = await createPoll(t.url, { identityMode: 'open' });
    let i = 0;
    // Steady votes while the command samples.
    load = (async () => {
      while (!stop) {
        await call(t.url, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [poll.options[i % 3]!.id], voterId: `s${i++}` }, voteHeaders(ownerToken));
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
  });
  after(async () => {
    stop = true;
    await load;
    await t?.stop();
  });

  it('prints votes/s, p99, lags and connections of a running process', async () => {
    const r = await cli('status', '--url', t.url, '--json');
    assert.equal(r.code, 0, r.stderr);
    const [row] = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    assert.equal(row!.role, 'all');
    assert.ok((row!.votesPerSec as number) > 0, r.stdout);
    assert.equal(typeof row!.voteP99Ms, 'number');
    assert.equal(row!.outboxBacklog !== null && row!.consumerBacklog !== null, true);
    assert.equal(row!.sseConnections, 0);
    assert.equal(row!.errorsPerSec, 0);

    const table = await cli('status', '--url', `${t.url},${t.url}`);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trim().split('\n');
    assert.match(lines[0]!, /votes\/s .*vote p99 .*relay lag .*consumer .*SSE/);
    assert.equal(lines.length, 4, 'header, two processes, total');
    assert.match(lines[3]!, /^total \(2\/2 up\)/);
  });

  it('names a process it cannot scrape and exits 1', async () => {
    const dead = `127.0.0.1:${await freePort()}`;
    const r = await cli('status', '--url', `${t.url},${dead}`, '--interval', '200');
    assert.equal(r.code, 1);
    assert.match(r.stdout, new RegExp(`${dead}/metrics +unreachable`));
    assert.match(r.stdout, /total \(1\/2 up\)/);
  });

  it('refuses a bad interval with the usage exit code', async () => {
    const r = await cli('status', '--interval', '5');
    assert.equal(r.code, 2);
  });
});
