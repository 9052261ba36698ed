/**
 * What can be checked of the container files without a Docker engine:
 * - deploy/compose.yaml parses, has the whole stack, names only files that exist in the repo
 *   (build context, Dockerfile, mounted configs), pins every image it pulls, and its pollcast
 *   services use only settings pollcast reads;
 * - the load balancers and Prometheus point at services compose defines;
 * - the Dockerfile is multi-stage, runs unprivileged with a HEALTHCHECK on /healthz, copies only
 *   paths that exist, and its build steps are the commands CI runs (.ci/run).
 * The shipped HAProxy and nginx configs are also run by the integration tests.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { CONFIG_VARIABLES } from '../../src/config.js';
import { haproxyBinary } from '../support/haproxy.js';
import { needProgram } from '../support/services.js';

const COMPOSE = 'deploy/compose.yaml';
type Service = {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: string[] | Record<string, { condition: string }>;
};
const compose = parse(readFileSync(COMPOSE, 'utf8'), { merge: true }) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
const services = compose.services;
const dockerfile = readFileSync('Dockerfile', 'utf8');

describe('deploy/compose.yaml', () => {
  it('has the whole stack: PostgreSQL, Redis, NATS, api × 2, realtime, worker, HAProxy, Prometheus, a migration', () => {
    const roleOf = (s: Service) => (s.command?.[0] === 'serve' ? s.command[s.command.indexOf('--role') + 1] : s.command?.[0]);
    const pollcast = Object.entries(services).filter(([, s]) => s.image === 'pollcast:local');
    assert.deepEqual(pollcast.map(([, s]) => roleOf(s)).sort(), ['api', 'api', 'migrate', 'realtime', 'worker']);
    const images = Object.values(services).map((s) => s.image ?? '');
    for (const name of ['postgres:', 'redis:', 'nats:', 'haproxy:', 'prom/prometheus:']) assert.ok(images.some((i) => i.startsWith(name)), name);
  });

  it('builds pollcast from this repository’s Dockerfile and mounts only files that exist', () => {
    for (const [name, s] of Object.entries(services)) {
      if (s.build) {
        const context = resolve('deploy', s.build.context);
        assert.ok(existsSync(join(context, s.build.dockerfile)), `${name}: ${s.build.dockerfile} in ${context}`);
        assert.ok(existsSync(join(context, 'package.json')), `${name}: the context is the repository`);
      }
      for (const v of s.volumes ?? []) {
        const source = v.split(':')[0]!;
        if (source.startsWith('.')) assert.ok(existsSync(resolve('deploy', source)), `${name}: ${source} exists`);
        else assert.ok(compose.volumes && source in compose.volumes, `${name}: named volume ${source} is declared`);
      }
    }
  });

  it('pins every image it pulls; depends_on names services', () => {
    for (const [name, s] of Object.entries(services)) {
      assert.ok(s.image || s.build, `${name} has an image or a build`);
      if (s.image && !s.build) assert.match(s.image, /^[\w./-]+:[\w.-]+$/, `${name}: a tagged image`);
      if (s.image) assert.ok(!s.image.endsWith(':latest'), `${name}: not :latest`);
      const deps = Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {});
      for (const d of deps) assert.ok(d in services, `${name} depends on ${d}, which exists`);
    }
  });

  it('pollcast services use only settings pollcast reads', () => {
    for (const [name, s] of Object.entries(services)) {
      if (s.image !== 'pollcast:local') continue;
      for (const key of Object.keys(s.environment ?? {})) assert.ok(CONFIG_VARIABLES.includes(key), `${name}: ${key} is a pollcast setting`);
    }
  });

  it('HAProxy, nginx and Prometheus point at compose services', () => {
    const hosts = (text: string, re: RegExp) => [...text.matchAll(re)].map((m) => m[1]!);
    const haproxy = hosts(readFileSync('deploy/haproxy/haproxy.cfg', 'utf8'), /^\s*server\s+\S+\s+([\w.-]+):\d+/gm);
    const nginx = hosts(readFileSync('deploy/nginx/nginx.conf', 'utf8'), /^\s*server\s+([\w.-]+):\d+/gm);
    const prometheus = hosts(readFileSync('deploy/prometheus/prometheus.yml', 'utf8'), /'([\w.-]+):\d+'/g);
    for (const [file, list] of Object.entries({ haproxy, nginx, prometheus })) {
      assert.ok(list.length > 0, `${file} names servers`);
      for (const h of list) assert.ok(h in services, `${file}: ${h} is a compose service`);
    }
  });
});

describe('Dockerfile', () => {
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const runtime = stages.at(-1)!;

  it('is multi-stage; the runtime stage is slim, unprivileged and has a HEALTHCHECK on /healthz', () => {
    assert.ok(stages.length >= 2, 'a build stage and a runtime stage');
    assert.match(runtime, /^\S*slim\S* AS runtime/);
    assert.match(runtime, /^USER (node|\d+)/m, 'not root');
    assert.match(runtime, /^HEALTHCHECK [^]*\/healthz/m);
    assert.ok(!/npm ci|apt-get install/.test(runtime), 'no toolchain in the runtime stage');
  });

  it('builds with the commands CI runs', () => {
    const ci = readFileSync('.ci/run', 'utf8');
    const runs = [...dockerfile.matchAll(/^RUN (npm [^\n]+)$/gm)].map((m) => m[1]!.trim());
    for (const step of ['npm ci --no-audit --no-fund', 'npm run build']) {
      assert.ok(runs.includes(step), `the Dockerfile runs "${step}"`);
      assert.ok(ci.split('\n').some((l) => l.trim().startsWith(step)), `.ci/run runs "${step}"`);
    }
  });

  it('copies only paths that exist, and .dockerignore keeps host builds out', () => {
    for (const m of dockerfile.matchAll(/^COPY (?!--from)(.+)$/gm)) {
      const parts = m[1]!.trim().split(/\s+/);
      for (const src of parts.slice(0, -1)) assert.ok(existsSync(src), `COPY ${src}: exists`);
    }
    const ignored = readFileSync('.dockerignore', 'utf8').split('\n').map((l) => l.trim());
    for (const p of ['node_modules', 'dist', 'web/dist']) assert.ok(ignored.includes(p), `.dockerignore: ${p}`);
  });
});

describe('fleet alerts', () => {
  // Skips with a message when promtool is missing; fails under REQUIRE_SERVICES=1 (.ci/run installs prometheus).
  it('promtool accepts deploy/prometheus/fleet-rules.yml', { skip: needProgram('promtool', 'prometheus') }, () => {
    const r = spawnSync('promtool', ['check', 'rules', 'deploy/prometheus/fleet-rules.yml'], { encoding: 'utf8' });
    assert.ifError(r.error);
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
});

describe('load-balancer configs', () => {
  // Skips with a message when haproxy is missing; fails under REQUIRE_SERVICES=1 (.ci/run installs haproxy).
  it('HAProxy accepts deploy/haproxy/haproxy.cfg (haproxy -c)', { skip: needProgram('haproxy', 'haproxy', ['-v'], ['haproxy', '/usr/sbin/haproxy']) }, () => {
    const r = spawnSync(haproxyBinary() ?? 'haproxy', ['-c', '-f', 'deploy/haproxy/haproxy.cfg'], { encoding: 'utf8' });
    assert.ifError(r.error);
    assert.equal(r.status, 0, r.stderr);
  });
});
