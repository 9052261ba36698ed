/**
 * The benchmark scenarios by name. A scenario starts a target and stops it; the harness does the
 * rest (poll, load, ceiling, verification, report). Add `postgres` (PostgreSQL + Redis + NATS,
 * 2 api processes) and `processes` here as their own files.
 */
import type { Scenario } from '../bench-types.js';
import { embeddedScenario } from './embedded-scenario.js';

export const SCENARIOS: readonly Scenario[] = [embeddedScenario];

/** The scenarios named (all when none are), or an error naming the unknown ones. */
export function pickScenarios(names: string[] | undefined): Scenario[] {
  if (!names || names.length === 0) return [...SCENARIOS];
  const unknown = names.filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length > 0) {
    throw new Error(`unknown scenario ${unknown.map((n) => `"${n}"`).join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  }
  return names.map((n) => SCENARIOS.find((s) => s.name === n)!);
}
