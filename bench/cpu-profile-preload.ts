/**
 * Loaded with `--import` (NODE_OPTIONS does not accept `--cpu-prof`): profiles the whole process
 * and writes a `.cpuprofile` into POLLCAST_CPU_PROF_DIR when it exits. The inspector session of
 * the main thread answers synchronously, so the profile is written inside the `exit` handler.
 */
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.POLLCAST_CPU_PROF_DIR;
if (dir !== undefined) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1_000 });
  session.post('Profiler.start');
  process.on('exit', () => {
    session.post('Profiler.stop', (err, res) => {
      if (!err) writeFileSync(join(dir, `realtime-${process.pid}.cpuprofile`), JSON.stringify(res.profile));
    });
  });
}
