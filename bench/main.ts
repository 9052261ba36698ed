/**
 * `npm run bench`: the entry of the benchmark harness (not shipped: bench/ is compiled to
 * dist-bench/, never to dist/). Parses the options and hands them to run-bench.ts.
 *
 *   npm run bench -- --duration 8 --runs 3 --connections 100,1000 --scenarios reference,postgres
 */
import { parseArgs } from 'node:util';
import type { GeneratorName } from './closed-loop-generator.js';
import { runBench } from './run-bench.js';

const HELP = `usage: npm run bench -- [options]
  --duration <seconds>     seconds per measurement (default 10)
  --runs <n>               interleaved rounds per scenario; medians are reported (default 3)
  --connections <list>     comma-separated connection counts, each measured in turn (default 100,1000)
  --scenarios <list>       comma-separated scenario names (default: every available one)
  --generator <name>       wrk or autocannon (default: wrk when on PATH)
`;

let values: { duration: string; runs: string; connections: string; scenarios?: string | undefined; generator?: string | undefined; help?: boolean | undefined };
try {
  values = parseArgs({
    options: {
      duration: { type: 'string', default: '10' },
      runs: { type: 'string', default: '3' },
      connections: { type: 'string', default: '100,1000' },
      scenarios: { type: 'string' },
      generator: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values;
} catch (err) {
  process.stderr.write(`bench: ${(err as Error).message}\n${HELP}`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const list = (s: string | undefined) => s?.split(',').map((x) => x.trim()).filter(Boolean);
if (values.generator !== undefined && values.generator !== 'wrk' && values.generator !== 'autocannon') {
  process.stderr.write(`bench: --generator must be wrk or autocannon\n`);
  process.exit(2);
}
await runBench({
  durationSec: Number(values.duration),
  runs: Number(values.runs),
  connections: (list(values.connections) ?? []).map(Number),
  scenarios: list(values.scenarios),
  generator: values.generator as GeneratorName | undefined,
});
