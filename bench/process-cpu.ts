/**
 * CPU time spent by server processes and all their descendants (a `--processes N` supervisor's
 * workers), read from /proc (Linux; null elsewhere). Divided by the requests of a run it gives CPU
 * per vote: unlike votes/s it does not shrink because other work on the machine takes cores away,
 * so the fleet sizes in docs/capacity.md are derived from it (with the ceiling's CPU per request,
 * measured the same way, to show how much the machine itself is slowed).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | null = null;

function clockTicks(): number {
  if (ticksPerSecond === null) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** [ppid, utime + stime in ticks] from /proc/<pid>/stat, or null when the process is gone. */
function stat(pid: number): [number, number] | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: fields after it follow its closing parenthesis.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return [Number(f[1]), Number(f[11]) + Number(f[12])];
  } catch {
    return null;
  }
}

export function processCpuSeconds(rootPids: number[]): number | null {
  if (process.platform !== 'linux' || rootPids.length === 0) return null;
  const byParent = new Map<number, number[]>();
  const ticks = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(Number(name));
    if (!s) continue;
    ticks.set(Number(name), s[1]);
    byParent.set(s[0], [...(byParent.get(s[0]) ?? []), Number(name)]);
  }
  let total = 0;
  const queue = [...rootPids];
  for (let pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
    total += ticks.get(pid) ?? 0;
    queue.push(...(byParent.get(pid) ?? []));
  }
  return total / clockTicks();
}
