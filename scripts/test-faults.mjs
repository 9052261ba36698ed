#!/usr/bin/env node
// `npm run test:faults`: the fault matrix (test/faults) at full size (FAULTS_FULL=1), one file at a
// time, then a table of each case's figures. `--ci` runs the CI size (the one `npm test` runs);
// other arguments pick files by substring (`npm run test:faults -- retry-storm`). The soak runs only
// when picked by name (`npm run test:faults -- soak`, 30 min; SOAK_MINUTES, SOAK_RATE, SOAK_VIEWERS).
// The fault tests start their own PostgreSQL, Redis and NATS, so the machine's services are
// never touched; REQUIRE_SERVICES=1 makes a missing server binary a failure, not a skip.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ci = process.argv.includes('--ci');
const picks = process.argv.slice(2).filter((a) => a !== '--ci');
const dir = mkdtempSync(join(tmpdir(), 'pollcast-faults-report-'));
const report = join(dir, 'figures.jsonl');
const r = spawnSync(process.execPath, ['scripts/run-tests.mjs', ...(picks.length ? picks.map((p) => `test/faults/${p}`) : ['test/faults/'])], {
  stdio: 'inherit',
  env: { REQUIRE_SERVICES: '1', TEST_CONCURRENCY: '1', ...process.env, FAULTS_FULL: ci ? '0' : '1', FAULTS_REPORT: report, ...(picks.includes('soak') ? { FAULTS_SOAK: '1' } : {}) },
});

let rows = [];
try {
  rows = readFileSync(report, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
} catch {
  // no case got as far as its figures
}
rmSync(dir, { recursive: true, force: true });
const cols = ['case', 'size', 'votes', 'acknowledged', 'inDoubt', 'lost', 'duplicated', 'unexpected', 'faultMs', 'recoveryMs', 'convergedMs', 'viewersMs'];
console.log(`\n| ${cols.join(' | ')} |\n| ${cols.map(() => '---').join(' | ')} |`);
for (const row of rows) console.log(`| ${cols.map((c) => String(row[c] ?? '')).join(' | ')} |`);
process.exit(r.status ?? 1);
