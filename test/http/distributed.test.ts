/**
 * The HTTP suites again, unchanged, on PostgreSQL + Redis + NATS JetStream: every app these suites
 * start gets its own scratch schema, key prefix and stream (test/support/app.ts, backend
 * 'distributed'). Only suites whose behaviour depends on the adapters are repeated; openapi and
 * requests exercise the HTTP layer alone. The whole directory runs distributed with
 * `POLLCAST_TEST_BACKEND=distributed npm test -- test/http`.
 *
 * Skips naming the missing service, or fails with REQUIRE_SERVICES=1.
 */
import { describe } from 'node:test';
import { useTestBackend } from '../support/app.js';
import { needServices } from '../support/services.js';

const skip = await needServices('postgres', 'redis', 'nats');
const SUITES = ['idempotency', 'concurrency', 'votes', 'results', 'sse', 'sse-lost-notice', 'polls', 'schedule', 'shutdown', 'accounts', 'authz-matrix', 'voter-integrity'];

describe('HTTP suites on PostgreSQL + Redis + NATS', { skip }, async () => {
  useTestBackend('distributed');
  // Imported inside the describe: their suites nest under it and start their apps distributed.
  for (const name of SUITES) await import(`./${name}.test.js`);
});
