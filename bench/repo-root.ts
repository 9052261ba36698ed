/**
 * The repository root (holds package.json, bin/pollcast.js and bench/results/). The harness runs
 * from bench/ through tsx and from dist-bench/bench/ compiled, at different depths, so it walks up
 * to the first package.json instead of counting levels.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function repoRoot(from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bin', 'pollcast.js'))) return dir + '/';
    const up = dirname(dir);
    if (up === dir) throw new Error(`no repository root (package.json with bin/pollcast.js) above ${fileURLToPath(from)}`);
    dir = up;
  }
}
