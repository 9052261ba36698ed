/**
 * The reference build for "tracing compiled in but off" (issue 6, ARCHITECTURE: < 2 % slower than
 * the same run with it removed): the shipped build with the tracing code *deleted* from every place
 * a vote, its batch, its outbox event and its results push pass through.
 *
 * Why a rewritten copy and not a no-op facade passed to `startApp(config, { observability })`:
 * with tracing off the app already gets a no-op facade (`noopTracing`). What "compiled in but off"
 * costs is the code that consults it — `tracing.enabled` per vote and per batch, the traceparent
 * plumbing around the store and the notifier, the branches in the bus and the push observer — and a
 * facade swap keeps every one of those consults, so it would compare the shipped build with itself.
 * The honest reference is the same code with those branches removed, as if tracing had never been
 * written. This module makes it: it copies the build being run (dist/ when the bench runs compiled,
 * src/ when it runs through tsx) twice from one snapshot, leaves one copy as shipped and applies
 * `TRACING_REMOVALS` to the other. Each rewrite must match exactly once and no `tracing.enabled`
 * may be left in a rewritten file, else the scenario refuses to run and names the rewrite to update
 * (test/unit/tracing-cost-bench.test.ts checks them against the current sources).
 *
 * Left as they are, because they run once per process or once per coalesced push, not per vote:
 * `createTracing` (returns `noopTracing` without an endpoint and loads no SDK), the request-span
 * hooks' registration (the rewrite below makes `observeHttp` return before it, as removing them
 * would), and the results hub carrying a `null` trace to its observer.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Rewrite {
  /** Module path under src/ or dist/, without the extension. */
  readonly file: string;
  /** What is removed, for the report and the error when the sources moved on. */
  readonly what: string;
  /** Matches the TypeScript source and tsc's output alike (tsc re-breaks `if (…) stmt;` lines). */
  readonly pattern: RegExp;
  readonly replacement: string;
}

export const TRACING_REMOVALS: readonly Rewrite[] = [
  {
    file: 'core/vote-service',
    what: 'VoteService#commit: the enabled check and the vote.batch span (commits the batch directly)',
    pattern: /if \(!this\.#tracing\.enabled\)\s*return this\.#commitBatch\(batch, undefined\);[\s\S]*?\(span\) => this\.#commitBatch\(batch, span\.traceparent\),?\s*\);/,
    replacement: 'return this.#commitBatch(batch, undefined);',
  },
  {
    file: 'core/vote-service',
    what: 'VoteService#cast: the enabled check that remembers the request span per vote',
    pattern: /if \(this\.#tracing\.enabled\) \{\s*const span = this\.#tracing\.active\(\);\s*if \(span\)\s*this\.#spans\.set\(cmd, span\);\s*\}/,
    replacement: '',
  },
  {
    file: 'core/vote-service',
    what: 'VoteService#commitBatch: the traceparent handed to the store',
    pattern: /traceparent === undefined \? undefined : \{ traceparent \}/,
    replacement: 'undefined',
  },
  {
    file: 'core/vote-service',
    what: 'VoteService#commitBatch: the traceparent put in results notices',
    pattern: /traceparent === undefined \? (\{ type: 'results', pollId, version, committedAt \}) : \{ type: 'results', pollId, version, committedAt, traceparent \}/,
    replacement: '$1',
  },
  {
    file: 'adapters/embedded/sqlite-store',
    what: 'SqliteStore: the traceparent copied into each outbox event of a vote batch',
    pattern: /if \(traceparent !== undefined\)\s*payload\.traceparent = traceparent;/,
    replacement: '',
  },
  {
    file: 'observability/observed-event-bus',
    what: 'observed bus publish: the enabled check and the relay span',
    pattern: /if \(tracing\.enabled\) \{[\s\S]*?\}\s*else \{\s*(await bus\.publish\(events\);)\s*\}/,
    replacement: '$1',
  },
  {
    file: 'observability/observed-event-bus',
    what: 'observed bus consume: the enabled check and the consumer span per event',
    pattern: /if \(tracing\.enabled\) \{[\s\S]*?\}\s*else \{\s*(await handler\(event\);)\s*\}/,
    replacement: '$1',
  },
  {
    file: 'observability/hub-observer',
    what: 'hub observer: the enabled check and the results.push span per push',
    pattern: /if \(!tracing\.enabled \|\| info\.traceparent === null\)\s*return;[\s\S]*?span\.end\(\);/,
    replacement: '',
  },
  {
    file: 'observability/http-observability',
    what: 'observeHttp: the enabled check before the request-span hooks (never registered)',
    pattern: /if \(!tracing\.enabled\)\s*return;/,
    replacement: 'return;',
  },
  {
    file: 'app',
    what: 'startApp: the enabled check that would wrap the store in spans',
    pattern: /tracing\.enabled \? traceStore\(ports\.store, tracing\) : ports\.store/,
    replacement: 'ports.store',
  },
];

const LEFTOVER = /tracing\.enabled/;

/** Applies the rewrites of `file` to its text; throws naming the first one that no longer fits. */
export function removeTracing(file: string, text: string): string {
  let out = text;
  for (const r of TRACING_REMOVALS.filter((x) => x.file === file)) {
    const hits = out.match(new RegExp(r.pattern.source, 'g'))?.length ?? 0;
    if (hits !== 1) throw new Error(`${file}: "${r.what}" matched ${hits} times (expected once); update TRACING_REMOVALS in src/bench/tracing-removed-build.ts`);
    out = out.replace(r.pattern, r.replacement);
  }
  if (LEFTOVER.test(out)) throw new Error(`${file}: a tracing.enabled check is left after the rewrites; add it to TRACING_REMOVALS in src/bench/tracing-removed-build.ts`);
  return out;
}

export interface BuildSnapshot {
  /** The build as shipped: a tree `startPollcast` can run from (bin/, package.json, dist/ or src/). */
  readonly shipped: string;
  /** The same snapshot with `TRACING_REMOVALS` applied. */
  readonly removed: string;
  /** The rewrites applied, for the report. */
  readonly removals: string[];
  dispose(): void;
}

/**
 * Copies the code being run (`src` for tsx, `dist` when compiled) from `root` into two trees under
 * one scratch directory and removes tracing from the second. node_modules and web/ are linked, not
 * copied. Throws (and leaves nothing behind) when a rewrite no longer matches.
 */
export function snapshotBuilds(root: string, fromSource: boolean): BuildSnapshot {
  const code = fromSource ? 'src' : 'dist';
  const ext = fromSource ? '.ts' : '.js';
  if (!existsSync(join(root, code))) throw new Error(`${join(root, code)} is missing${fromSource ? '' : ': run `npm run build`'}`);
  const dir = mkdtempSync(join(tmpdir(), 'pollcast-tracing-cost-'));
  try {
    // One copy of the tree, taken once, so both builds are the same code even while dist/ is rebuilt.
    const snapshot = join(dir, 'snapshot');
    cpSync(join(root, code), join(snapshot, code), { recursive: true, filter: (p) => !p.endsWith('.map') && !p.endsWith('.tsbuildinfo') });
    const trees = { shipped: join(dir, 'shipped'), removed: join(dir, 'removed') };
    for (const tree of Object.values(trees)) {
      mkdirSync(tree);
      cpSync(join(snapshot, code), join(tree, code), { recursive: true });
      cpSync(join(root, 'bin'), join(tree, 'bin'), { recursive: true });
      for (const f of ['package.json', 'tsconfig.json']) if (existsSync(join(root, f))) cpSync(join(root, f), join(tree, f));
      symlinkSync(join(root, 'node_modules'), join(tree, 'node_modules'), 'dir');
      if (existsSync(join(root, 'web'))) symlinkSync(join(root, 'web'), join(tree, 'web'), 'dir');
    }
    rmSync(snapshot, { recursive: true, force: true });
    for (const file of new Set(TRACING_REMOVALS.map((r) => r.file))) {
      const path = join(trees.removed, code, file + ext);
      writeFileSync(path, removeTracing(file, readFileSync(path, 'utf8')));
    }
    return {
      ...trees,
      removals: TRACING_REMOVALS.map((r) => `${r.file}: ${r.what}`),
      dispose: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
