/** What the HTTP routes need from the composition root. Routes see services, never adapters. */
import type { Config } from '../config.js';
import type { PollService } from '../core/poll-service.js';
import type { ResultsReader } from '../core/results-reader.js';
import type { VoteService } from '../core/vote-service.js';
import type { ResultsHub } from '../realtime/results-hub.js';
import type { Store } from '../ports/store.js';
import type { InFlightRequests } from './in-flight.js';

export interface Readiness {
  draining: boolean;
  /** Each dependency's check; the process is ready when all pass. */
  checks: Array<{ name: string; check: () => Promise<void> }>;
  /** Requests accepted and not yet answered; shutdown waits for them before closing the listener. */
  requests: InFlightRequests;
}

export interface HttpDeps {
  config: Readonly<Config>;
  polls: PollService;
  votes: VoteService | null;
  results: ResultsReader;
  hub: ResultsHub | null;
  store: Store;
  readiness: Readiness;
}
