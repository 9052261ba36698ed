/**
 * deploy/: the Prometheus rules pass `promtool check rules` and their unit tests
 * (`promtool test rules`), the example config passes `promtool check config`, and every metric the
 * rules and the Grafana dashboard query is one pollcast exports (or a recording rule).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../support/app.js';
import { needBinary } from './prometheus-server.js';

function promtool(...args: string[]): { code: number | null; out: string } {
  const r = spawnSync('promtool', args, { cwd: 'deploy/prometheus', encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('Prometheus rules (promtool)', () => {
  const skip = needBinary('promtool');

  it('promtool check rules', { skip }, () => {
    const r = promtool('check', 'rules', 'rules.yml');
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /SUCCESS: \d+ rules found/);
  });

  it('promtool test rules: every alert fires when it should and only then', { skip }, () => {
    const r = promtool('test', 'rules', 'rules.test.yml');
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /SUCCESS/);
  });

  it('promtool check config on the example scrape configuration', { skip }, () => {
    const r = promtool('check', 'config', 'prometheus.yml');
    assert.equal(r.code, 0, r.out);
  });

  it('every alert has a runbook section in docs/observability.md and is unit-tested', () => {
    const rules = readFileSync('deploy/prometheus/rules.yml', 'utf8');
    const tests = readFileSync('deploy/prometheus/rules.test.yml', 'utf8');
    const doc = readFileSync('docs/observability.md', 'utf8');
    const alerts = [...rules.matchAll(/- alert: (\w+)/g)].map((m) => m[1]!);
    assert.ok(alerts.length >= 8, 'alerts.length >= 8');
    for (const a of alerts) {
      assert.ok(tests.includes(`alertname: ${a}`), `${a} has no promtool test`);
      assert.ok(doc.includes(`### ${a}`), `${a} has no section in docs/observability.md`);
    }
  });
});

describe('the dashboard and the rules query only what pollcast exports', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t?.stop());

  it('names every series it uses', async () => {
    const text = await (await fetch(t.url + '/metrics')).text();
    const exported = new Set<string>();
    for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      const [, name, type] = m as unknown as [string, string, string];
      exported.add(name);
      if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exported.add(name + suffix);
    }
    const rules = readFileSync('deploy/prometheus/rules.yml', 'utf8');
    const recorded = new Set([...rules.matchAll(/- record: (\S+)/g)].map((m) => m[1]!));
    const dashboard = JSON.parse(readFileSync('deploy/grafana/pollcast.json', 'utf8')) as { uid: string; panels: Array<{ targets?: Array<{ expr: string }> }> };
    assert.equal(dashboard.uid, 'pollcast-overview');
    const exprs = [...dashboard.panels.flatMap((p) => (p.targets ?? []).map((x) => x.expr)), ...[...rules.matchAll(/expr: (.+)/g)].map((m) => m[1]!), rules];
    const unknown = new Set<string>();
    for (const e of exprs) {
      for (const m of e.matchAll(/\b((?:pollcast|nodejs|process)_[a-z0-9_]+|pollcast:[a-z0-9_:]+)/g)) {
        const name = m[1]!;
        if (!exported.has(name) && !recorded.has(name)) unknown.add(name);
      }
    }
    assert.deepEqual([...unknown], []);
  });
});
