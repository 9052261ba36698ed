// Moved to src/ports/metrics.ts (a port: core and delivery depend on it). Kept for branches in flight; delete after they merge.
export * from '../ports/metrics.js';
