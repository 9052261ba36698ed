// The layer rules of docs/architecture.md, checked by `npm run lint:layers` (part of `npm run lint`).
// Inner layers never see outer ones:
//   domain ← ports ← core ← delivery (http, realtime, worker)
//   adapters (embedded/, postgres/, redis/, nats/) and observability/ implement ports;
//   only the composition root wires them: app.ts, cli.ts, process-supervisor.ts and the two
//   factories it calls (adapters/create.ts, observability/create-observability.ts).
// errors.ts is the pure error registry every layer may name.
const SHARED = '^src/errors\\.ts$';
const COMPOSITION = [
  '^src/app\\.ts$',
  '^src/cli\\.ts$',
  '^src/process-supervisor\\.ts$',
  '^src/adapters/create\\.ts$',
  '^src/observability/create-observability\\.ts$',
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'domain imports nothing of ours but domain (and the error registry).',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { path: '^src/', pathNot: ['^src/domain/', SHARED] },
    },
    {
      name: 'ports-see-domain-only',
      comment: 'ports are interfaces in domain terms: they import only domain.',
      severity: 'error',
      from: { path: '^src/ports/' },
      to: { path: '^src/', pathNot: ['^src/ports/', '^src/domain/', SHARED] },
    },
    {
      name: 'core-sees-domain-and-ports',
      comment: 'core services import only domain and ports: never config, adapters, delivery or observability.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/', pathNot: ['^src/core/', '^src/ports/', '^src/domain/', SHARED] },
    },
    {
      name: 'delivery-never-sees-adapters',
      comment: 'http, realtime and worker use core services and ports, never an adapter nor the composition root.',
      severity: 'error',
      from: { path: '^src/(http|realtime|worker)/' },
      to: { path: ['^src/adapters/', '^src/observability/', ...COMPOSITION] },
    },
    {
      name: 'delivery-never-sees-outward',
      comment: 'realtime and worker do not depend on http; worker does not depend on realtime.',
      severity: 'error',
      from: { path: '^src/(realtime|worker)/' },
      to: { path: '^src/http/' },
    },
    {
      name: 'adapters-see-ports-and-domain',
      comment: 'an adapter implements a port: it imports ports, domain, shared adapter helpers and its own engine folder.',
      severity: 'error',
      from: { path: '^src/adapters/', pathNot: COMPOSITION },
      to: { path: '^src/', pathNot: ['^src/ports/', '^src/domain/', '^src/adapters/', SHARED] },
    },
    {
      name: 'adapters-stay-in-their-engine',
      comment: 'adapters/<engine>/ does not reach into another engine (a Redis adapter composes an in-memory one through its public file only).',
      severity: 'error',
      from: { path: '^src/adapters/([^/]+)/' },
      to: { path: '^src/adapters/[^/]+/', pathNot: ['^src/adapters/$1/', '^src/adapters/embedded/memory-[^/]+\\.ts$'] },
    },
    {
      name: 'observability-implements-ports',
      comment: 'observability/ implements the Metrics and Tracing ports: it sees ports, domain and the config types, never core, delivery or other adapters.',
      severity: 'error',
      from: { path: '^src/observability/', pathNot: COMPOSITION },
      to: { path: ['^src/core/', '^src/http/', '^src/worker/', '^src/adapters/', ...COMPOSITION] },
    },
    {
      name: 'only-composition-wires-adapters',
      comment: 'nothing but the composition root imports an adapter.',
      severity: 'error',
      from: { path: '^src/', pathNot: [...COMPOSITION, '^src/adapters/'] },
      to: { path: '^src/adapters/' },
    },
    {
      name: 'errors-is-a-registry',
      comment: 'errors.ts is a pure registry of codes: it imports nothing of ours (rendering lives in http/).',
      severity: 'error',
      from: { path: SHARED },
      to: { path: '^src/' },
    },
    {
      name: 'no-circular',
      comment: 'no import cycles.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'src-never-sees-tests-or-bench',
      comment: 'shipped code does not import tests or benchmarks.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    // Type-only imports are dependencies too: a port that names an adapter's type is a break.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|dist-bench|node_modules)/' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
