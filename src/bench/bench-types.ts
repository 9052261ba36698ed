/** Shapes shared by the benchmark harness, its scenarios and its report. */

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
  /** null when the scenario can run on this machine, else the reason it is skipped. */
  unavailable(ctx: ScenarioContext): Promise<string | null>;
  start(ctx: ScenarioContext): Promise<BenchTarget>;
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
}

export interface RunRecord {
  run: number;
  order: 'ceiling-first' | 'scenario-first';
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
