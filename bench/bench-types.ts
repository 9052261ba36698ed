/** Shapes shared by the benchmark harness, its scenarios and its report. */
import type { ClosedLoopGenerator } from './closed-loop-generator.js';

/** A running system under test. The harness votes on it over HTTP and stops it at the end. */
export interface BenchTarget {
  /** Base URLs (one per api process); the load generator spreads its connections over them. */
  readonly urls: string[];
  /** Settings the target runs with, copied into the JSON report. */
  readonly settings: Record<string, string | number | boolean>;
  /** The server processes whose CPU time (with their descendants') counts as the target's. */
  pids?(): number[];
  /**
   * The stored truth for a poll, read from the database itself (vote rows, summed tallies); when
   * absent the check reads the results total over HTTP.
   */
  stored?(pollId: string): Promise<{ rows: number; tallied: number }>;
  stop(): Promise<void>;
}

export interface ScenarioContext {
  /** Repository root (holds bin/pollcast.js and bench/results/). */
  readonly root: string;
  /** Progress output (stderr); figures go to stdout. */
  log(line: string): void;
}

/** One way to run pollcast for the benchmark: `embedded`, later `postgres`, `processes`, … */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  /** A scenario this one is compared with when both ran (e.g. 2 processes vs 1). */
  readonly baseline?: string;
  /** Left out of the default set (run it by name with --scenarios). */
  readonly optIn?: boolean;
  /** Seconds of load it offers beyond its start-up, for the run-time estimate (self-measuring scenarios). */
  loadSeconds?(config: Pick<BenchConfig, 'durationSec' | 'runs' | 'warmupSec'>): number;
  /** A fixed goal in votes/s its figure is reported against (postgres-2: the whole box's moonshot). */
  readonly goal?: { readonly votesPerSec: number; readonly what: string };
  /** null when the scenario can run on this machine, else the reason it is skipped. */
  unavailable(ctx: ScenarioContext): Promise<string | null>;
  start(ctx: ScenarioContext): Promise<BenchTarget>;
  /**
   * A scenario that measures itself (the `tracing-off` A/B comparison, `overload`) instead of taking
   * part in the rounds the other scenarios share (measure-scenario.ts). Run at the first connection
   * count only.
   */
  measure?(o: MeasureContext): Promise<ScenarioResult>;
}

/** What the harness hands a scenario that measures itself. */
export interface MeasureContext {
  ctx: ScenarioContext;
  /** The same-run Fastify ceiling, already warm. */
  ceiling: BenchTarget;
  config: BenchConfig;
  machine: Machine;
  load: ClosedLoopGenerator;
}

/** Latency percentiles in milliseconds, over 2xx answers only. */
export interface Latency {
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
}

/** What one load-generator run measured. */
export interface LoadFigures extends Latency {
  durationSec: number;
  ok2xx: number;
  perSec: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  errors: number;
  timeouts: number;
  /** Voter ids sent without an answer (abandoned at the end of the run, timeouts, resets). */
  unanswered: string[];
  /** Requests handed to the wire (or at least built for it). */
  sent: number;
  /**
   * Requests sent without an answer whose voter ids the generator cannot name (wrk: issued −
   * answered). Each may or may not have been stored; 0 for generators that list them in
   * `unanswered`.
   */
  unansweredUnknownIds: number;
  /** Open loop only: 2xx latency from when each request was written (without waiting for a socket). */
  fromSend?: Latency;
  /** Open loop only: from the first request due to the last answer, in seconds. */
  answeringSec?: number;
}

export interface RunRecord {
  run: number;
  /** 'rotated': the ceiling and every scenario ran once per round, the order rotated each round. */
  order: 'ceiling-first' | 'scenario-first' | 'rotated';
  votesPerSec: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  votes2xx: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  errors: number;
  timeouts: number;
  durationSec: number;
  /** Vote requests sent, and how many of them got no answer (in flight at the stop, resets). */
  sent: number;
  unanswered: number;
  ceiling: { reqPerSec: number; p50Ms: number; p99Ms: number; p999Ms: number; cpuUsPerReq: number | null };
  ratio: number;
  /** CPU the target's api processes spent per acknowledged vote (process-cpu.ts), or null. */
  cpuUsPerVote: number | null;
}

export interface Verification {
  ok: boolean;
  storedTotal: number;
  acknowledged: number;
  unanswered: number;
  unansweredStored: number;
  /** Unanswered requests whose voter ids are unknown (wrk); the check accepts 0..all stored. */
  unansweredUnknownIds: number;
  /** How many of those are stored (stored − acknowledged − unansweredStored), when in range. */
  unknownIdsStored: number | null;
  /** Where `storedTotal` was read: vote rows in the database, or the results total over HTTP. */
  source: 'database rows' | 'results API';
  /** Summed tallies in the database, when read from it (must equal the rows). */
  tallied?: number;
  detail: string;
}

export interface ScenarioResult {
  scenario: string;
  description: string;
  votesPerSec: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  /** Of the median run: api-process CPU per acknowledged vote, in µs (null when not exported). */
  cpuUsPerVote: number | null;
  ceilingReqPerSec: number;
  ratio: number;
  halfCapacity: (Latency & { targetRatePerSec: number; achievedPerSec: number; p99TargetMs: number; generator: string }) | null;
  verification: Verification;
  /** Against `Scenario.baseline` measured in the same bench run: votes/s ÷ its votes/s, raw and per ceiling. */
  comparison?: { baseline: string; ratio: number; ratioOfCeilingRatios: number };
  /** Against the `reference` scenario measured in the same rounds at the same connections. */
  vsReference?: ReferenceComparison;
  /** Against `Scenario.goal`: votes/s ÷ the goal. */
  goal?: { votesPerSec: number; what: string; ratio: number };
  /** Scenario `tracing-off`: the shipped build (tracing off) against the same build given a no-op facade through the seam. */
  tracingCost?: TracingCost;
  /** Scenario `overload`: 3 × the measured capacity offered open loop (medians over the runs; peak RSS: the highest). */
  overload?: OverloadResult;
  runs: RunRecord[];
  target: Record<string, string | number | boolean>;
  machine: Machine;
  config: BenchConfig;
  startedAt: string;
  finishedAt: string;
}

export interface Machine {
  cpus: number;
  cpuModel: string;
  node: string;
  platform: string;
  arch: string;
  loadAvgAtStart: number[];
}

export interface BenchConfig {
  durationSec: number;
  runs: number;
  connections: number;
  warmupSec: number;
  /** The closed-loop generator used for the ceiling and the scenarios alike. */
  loadGenerator: 'wrk' | 'autocannon';
  generator: string;
}

/** One measured run of one build in a same-run comparison. */
export interface VariantRun {
  /** The round (1-based); every build runs once per round. */
  round: number;
  /** Its place in the round's order (1 = first). */
  position: number;
  votesPerSec: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  votes2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  sent: number;
  unanswered: number;
  /** The server process's CPU per acknowledged vote, in µs (null when not readable). */
  cpuUsPerVote: number | null;
}

/** One build of the server, measured in every round: medians of each figure over its runs. */
export interface VariantResult {
  name: 'off' | 'noop' | 'on';
  description: string;
  votesPerSec: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  cpuUsPerVote: number | null;
  runs: VariantRun[];
  verification: Verification;
  settings: Record<string, string | number | boolean>;
}

/** One variant against the reference (`noop`): ratios of the medians, and per round. */
export interface VariantComparison {
  /** votes/s ÷ the reference's votes/s (medians). */
  votesPerSecRatio: number;
  /** (1 − votesPerSecRatio) × 100: how much slower, in %; negative when it measured faster. */
  slowdownPct: number;
  p50Ratio: number;
  p99Ratio: number;
  /** CPU per vote ÷ the reference's (> 1: costs more), null when CPU was not readable. */
  cpuPerVoteRatio: number | null;
  /** votes/s ratio of each round (the two ran back to back): their spread is the run's noise. */
  perRoundRatios: number[];
  /** The median of `perRoundRatios`: pairs measured seconds apart share the machine's load. */
  perRoundMedian: number;
}

/** Calls made to the tracing facade with tracing off, per acknowledged vote (tracing-seam-server.ts `counting`). */
export interface TracingConsults {
  votes: number;
  /** `enabled` reads per vote (each a branch that skips tracing work). */
  enabledPerVote: number;
  /** start/run/active calls per vote: tracing work done although tracing is off (should be 0). */
  startPerVote: number;
  runPerVote: number;
  activePerVote: number;
}

export interface TracingCost {
  /**
   * A/A control (BENCH_TRACING_CONTROL=1): "noop" was the shipped start-up again, so the ratio
   * measures only the noise of the machine and the method.
   */
  control: boolean;
  /** ARCHITECTURE: tracing compiled in but off, at most this much slower than not loaded. */
  targetMaxSlowdownPct: number;
  /** `off` slower by less than the target. */
  withinTarget: boolean;
  /** The order the variants ran in, per round (alternated, so drift hits both). */
  order: string[][];
  off: VariantResult;
  noop: VariantResult;
  /** Informative: tracing on, exporting to a local OTLP sink; null when not measured. */
  on: VariantResult | null;
  offVsNoop: VariantComparison;
  onVsNoop: VariantComparison | null;
  /** What the off/noop comparison compares, and what it cannot see (in the report and the JSON). */
  compares: string;
  /** The facade calls per vote with tracing off; null when they could not be read. */
  consults: TracingConsults | null;
}

/** One run of the `overload` scenario: a capacity measurement, then that × the factor offered open loop. */
export interface OverloadRun {
  run: number;
  /** Closed-loop votes/s just before, and its p99. */
  capacityPerSec: number;
  capacityP99Ms: number;
  offeredPerSec: number;
  /** Sockets the open-loop generator started with, and the most it may open. */
  connections: number;
  maxConnections: number;
  sent: number;
  /** 201s and 503s per second of offering, and their counts. */
  acceptedPerSec: number;
  shedPerSec: number;
  accepted: number;
  shed: number;
  /** Answers other than 201 and 503. */
  otherNon2xx: number;
  /** Requests without an answer (connection lost, or still unanswered 10 s after the last was due). */
  errors: number;
  /** Latency of the accepted votes, from when each was due (what a client waits, connecting included). */
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  /** The same from when each was written to its socket: the server's share. */
  sentP50Ms: number;
  sentP99Ms: number;
  /** Refused at the door, by the threshold passed (the server's pollcast_http_requests_shed_total). */
  shedByReason: Record<string, number>;
  /** The server's resident memory before the overload phase, and its peak during it. */
  rssBeforeMb: number;
  peakRssMb: number;
  statusCodes: Record<string, number>;
}

export interface OverloadResult {
  factor: number;
  /** Closed-loop clients of the capacity measurement. */
  capacityConnections: number;
  capacityPerSec: number;
  offeredPerSec: number;
  acceptedPerSec: number;
  shedPerSec: number;
  p99Ms: number;
  sentP99Ms: number;
  peakRssMb: number;
  runs: OverloadRun[];
}

/** A pollcast scenario next to the reference (the minimal durable loop), figure by figure. */
export interface ReferenceComparison {
  reference: { votesPerSec: number; p50Ms: number; p99Ms: number; p999Ms: number; cpuUsPerVote: number | null };
  /** pollcast ÷ reference, of the medians (votes/s: > 1 is faster; latency and CPU: > 1 costs more). */
  votesPerSecRatio: number;
  p50Ratio: number;
  p99Ratio: number;
  p999Ratio: number;
  cpuPerVoteRatio: number | null;
  /** votes/s ratio within each round (the two ran minutes apart at most): its spread is the noise. */
  perRoundVotesRatios: number[];
}
