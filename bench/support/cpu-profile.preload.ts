/**
 * Loaded into the gateway process with NODE_OPTIONS=--require (Node 20 refuses --cpu-prof in NODE_OPTIONS, and
 * the gateway is spawned as `node dist/src/main.js`). SIGUSR2 starts the V8 sampling profiler; the next SIGUSR2
 * stops it and writes BENCH_CPU_PROFILE_DIR/gateway-<pid>.cpuprofile. So the profile covers exactly the measured
 * window, not the boot or the warm-up. Same-thread inspector sessions answer synchronously.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.BENCH_CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  let profiling = false;
  process.on('SIGUSR2', () => {
    if (!profiling) {
      profiling = true;
      // 200 µs between samples: a 1-2 ms request path gets several samples each.
      session.post('Profiler.enable', () =>
        session.post('Profiler.setSamplingInterval', { interval: 200 }, () => session.post('Profiler.start')),
      );
      return;
    }
    profiling = false;
    session.post('Profiler.stop', (err, res) => {
      if (err) process.stderr.write(`cpu profile: ${err.message}\n`);
      else writeFileSync(join(dir, `gateway-${process.pid}.cpuprofile`), JSON.stringify(res.profile));
    });
  });
}
