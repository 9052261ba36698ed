// Moved to src/ports/tracing.ts (a port: core and delivery depend on it). Kept for branches in flight; delete after they merge.
export * from '../ports/tracing.js';
