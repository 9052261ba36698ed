/**
 * Which closed-loop load generator measures capacity: wrk when it is on PATH (C, its own process,
 * ≈ 30 µs of CPU per request here), else autocannon in the harness process (90–120 µs per request
 * here, taken from the same two cores as the server under test). The ceiling and the scenarios always
 * use the same one, so their ratio compares like with like.
 */
import type { LoadFigures } from './bench-types.js';
import { runClosedLoop, type ClosedLoopOptions } from './closed-loop-load.js';
import { findWrk, runWrk, WRK_THREADS } from './wrk-load.js';

export type GeneratorName = 'wrk' | 'autocannon';

export interface ClosedLoopGenerator {
  readonly name: GeneratorName;
  /** One line for the log and the JSON report. */
  readonly description: string;
  run(o: ClosedLoopOptions): Promise<LoadFigures>;
}

const AUTOCANNON_DESCRIPTION = 'autocannon 8, in the harness process, same machine; a new voterId per request';

/** `preferred` forces one (an error when it is wrk and wrk is missing); by default wrk if found. */
export function pickClosedLoopGenerator(preferred?: GeneratorName): ClosedLoopGenerator {
  const autocannon: ClosedLoopGenerator = { name: 'autocannon', description: AUTOCANNON_DESCRIPTION, run: runClosedLoop };
  if (preferred === 'autocannon') return autocannon;
  const version = findWrk();
  if (version === null) {
    if (preferred === 'wrk') throw new Error('wrk is not on PATH (Debian/Ubuntu: apt-get install wrk)');
    return { ...autocannon, description: `${AUTOCANNON_DESCRIPTION} (wrk not on PATH; apt-get install wrk for a lighter generator)` };
  }
  return {
    name: 'wrk',
    description: `wrk ${version}, ${WRK_THREADS} threads, its own process, same machine; a new voterId per request`,
    run: (o) => runWrk({ ...o, threads: WRK_THREADS }),
  };
}
