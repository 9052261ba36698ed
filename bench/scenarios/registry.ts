/**
 * The benchmark scenarios by name. A scenario starts a target and stops it; the harness does the
 * rest (poll, rounds shared with the ceiling and the `reference`, verification, report). A scenario
 * with a `baseline` is compared with it when both ran (the 2-vs-1 process ratio). `tracing-off`
 * and `overload` measure themselves.
 *
 * All but `postgres-2-ports` are in the default set (`npm run bench` runs every available one), so
 * a default run (--duration 8, --runs 3, --connections 100,1000) stays near 10 minutes;
 * `postgres-2-ports` only shows that the cluster's primary costs nothing measurable, run it by name.
 */
import type { Scenario } from '../bench-types.js';
import { embeddedScenario } from './embedded-scenario.js';
import { referenceScenario } from './reference-scenario.js';
import { postgres2PortsScenario, postgres2Scenario, postgresScenario } from './postgres-scenario.js';
import { tracingOffScenario } from './tracing-off-scenario.js';
import { overloadScenario } from './overload-scenario.js';

export const SCENARIOS: readonly Scenario[] = [
  referenceScenario,
  embeddedScenario,
  postgresScenario,
  postgres2Scenario,
  postgres2PortsScenario,
  tracingOffScenario,
  overloadScenario,
];

/** The scenarios named (the default set when none are: all but the opt-in ones), or an error naming the unknown ones. */
export function pickScenarios(names: string[] | undefined): Scenario[] {
  if (!names || names.length === 0) return SCENARIOS.filter((s) => !s.optIn);
  const unknown = names.filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length > 0) {
    throw new Error(`unknown scenario ${unknown.map((n) => `"${n}"`).join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  }
  return names.map((n) => SCENARIOS.find((s) => s.name === n)!);
}
