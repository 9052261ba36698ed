/** What the HTTP routes need from the composition root. Routes see services, never adapters. */
import type { Config } from '../config.js';
import type { AccountService } from '../core/account-service.js';
import type { Authenticator } from '../core/authenticator.js';
import type { AccountMail } from '../core/account-mail.js';
import type { ProofOfWork } from '../domain/proof-of-work.js';
import type { PollService } from '../core/poll-service.js';
import type { RequestLimits } from '../core/request-limits.js';
import type { ResultsReader } from '../core/results-reader.js';
import type { VoteService } from '../core/vote-service.js';
import type { LiveHub, ResultsHub } from '../realtime/results-hub.js';
import type { EventService } from '../core/event-service.js';
import type { AudienceQaService } from '../core/audience-qa-service.js';
import type { EventSnapshot } from '../realtime/event-source.js';
import type { ScrapableMetrics } from '../ports/metrics.js';
import type { Tracing } from '../ports/tracing.js';
import type { ReceiptService } from '../core/receipt-service.js';
import type { WebhookService } from '../core/webhook-service.js';
import type { InFlightRequests } from './in-flight.js';
import type { TextAnswerService } from '../core/text-answer-service.js';
import type { QuizService } from '../core/quiz-service.js';

export interface Readiness {
  /** Shutting down: /readyz fails, but requests are still served (SHUTDOWN_DELAY_MS). */
  leaving?: boolean;
  /** Shutting down: /readyz fails and new requests get 503. */
  draining: boolean;
  /**
   * Each dependency's check. The process is ready when every `required` one (default true) passes;
   * a failing optional one (the cache, the broker) is reported as degraded and keeps it ready.
   */
  checks: Array<{ name: string; check: () => Promise<void>; required?: boolean }>;
  /** Requests accepted and not yet answered; shutdown waits for them before closing the listener. */
  requests: InFlightRequests;
}

export interface HttpDeps {
  config: Readonly<Config>;
  polls: PollService;
  votes: VoteService | null;
  results: ResultsReader;
  hub: ResultsHub | null;
  /** Absent in tools that build a bare server: event routes are then not served. */
  events?: EventService | null;
  eventHub?: LiveHub<EventSnapshot> | null;
  /** Absent: the text answers feed and moderation are not served. */
  textAnswers?: TextAnswerService | null;
  /** Absent: quiz nicknames and the leaderboard are not served. */
  quiz?: QuizService | null;
  /** Absent: audience Q&A routes are not served. */
  qa?: AudienceQaService | null;
  readiness: Readiness;
  /** Absent in tools that build a bare server: account routes are then not served. */
  auth?: Authenticator | null;
  accounts?: AccountService | null;
  pow?: ProofOfWork | null;
  /** Rate limits of requests other than votes. */
  limiter?: RequestLimits | null;
  /** Absent: receipts cannot be checked and commitments are not served. */
  receipts?: ReceiptService | null;
  /** Absent: webhook endpoints are not served. */
  webhooks?: WebhookService | null;
  /** Absent: password reset and e-mail verification are not served. */
  mail?: AccountMail | null;
  /** Absent: nothing is measured and /metrics is not served (tools that build a bare server). */
  metrics?: ScrapableMetrics;
  tracing?: Tracing;
}
