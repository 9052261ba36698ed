/** Percentages for result views (no DOM: unit-tested from Node). */
/**
 * Percentages to one decimal that add up to exactly 100 (largest remainder): each share is
 * rounded down to a tenth, and the tenths left over go to the shares that lost the most.
 */
export function percents(counts: readonly number[], total: number): number[] {
  if (total <= 0) return counts.map(() => 0);
  const exact = counts.map((c) => (c / total) * 1000);
  const floors = exact.map(Math.floor);
  let left = 1000 - floors.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => [x - floors[i]!, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left <= 0) break;
    floors[i]! += 1;
    left--;
  }
  return floors.map((f) => f / 10);
}
