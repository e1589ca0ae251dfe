import { readFileSync } from 'node:fs';
import { GatewayProcess, startGatewayFixture } from '../tests/support/gateway-process';
import { csvOf, getJson, nirs, output, postCsv, tomorrow } from '../tests/support/lot-helpers';

/**
 * Night lot at scale: N patients (BENCH_LOT_PATIENTS, default 100,000) against the CDRi simulator answering in
 * 200 ms, with at most 50 calls in flight. The ceiling is 50 / 0.2 s = 250 checks/s: throughput is reported as a
 * ratio of it. Also: the gateway process's peak RSS, and the time a restarted worker takes to resume a lot after
 * a kill -9.
 */
const LATENCY_MS = 200;
const CAP = 50;

function peakRssMb(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

async function waitDone(g: GatewayProcess, id: string, atLeast: number, onTick?: (done: number) => void): Promise<void> {
  for (;;) {
    const t = await getJson(g.baseUrl, `/fhir/Task/${id}`);
    const done = output(t, 'done').valueInteger + output(t, 'failed').valueInteger;
    onTick?.(done);
    if (done >= atLeast || t.status === 'completed') return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function runNightLotBench(): Promise<object[]> {
  const patients = Number(process.env.BENCH_LOT_PATIENTS ?? 100000);
  const env = { CDRI_LOT_CRON: '', CDRI_LOT_CONCURRENCY: String(CAP), CDRI_LOT_RATE_PER_SECOND: '100000', LOG_LEVEL: 'info', CDRI_TIMEOUT_MS: '5000' };
  const fx = await startGatewayFixture({ queue: 'redis', simulatorLatencyMs: LATENCY_MS, env: { ...env, PROCESS_ROLE: 'api' } });
  const results: object[] = [];
  try {
    let worker = await fx.restart({ PROCESS_ROLE: 'worker' });
    const list = nirs(patients, 100);
    const { task } = await postCsv(fx.gateway.baseUrl, csvOf(list, tomorrow()));
    const started = Date.now();
    let peak = 0;
    await waitDone(fx.gateway, task.id, patients, () => (peak = Math.max(peak, (peakRssMb(worker.pid) ?? 0) + (peakRssMb(fx.gateway.pid) ?? 0))));
    const seconds = (Date.now() - started) / 1000;
    const perSecond = patients / seconds;
    results.push({
      bench: 'night-lot', patients, insurer_latency_ms: LATENCY_MS, concurrency_cap: CAP, seconds: Math.round(seconds * 10) / 10,
      checks_per_second: Math.round(perSecond * 10) / 10, ceiling_per_second: CAP / (LATENCY_MS / 1000),
      ratio_to_ceiling: Math.round((perSecond / (CAP / (LATENCY_MS / 1000))) * 1000) / 1000,
      peak_rss_mb_worker: peakRssMb(worker.pid), peak_rss_mb_api: peakRssMb(fx.gateway.pid), target_ratio: 0.95, target_rss_mb: 512,
    });

    // Resume after kill -9: a smaller lot, killed at about a third.
    const resumeList = nirs(Math.min(10000, patients), 120);
    const second = await postCsv(fx.gateway.baseUrl, csvOf(resumeList, tomorrow()));
    await waitDone(fx.gateway, second.task.id, Math.floor(resumeList.length / 3));
    await worker.kill9();
    const doneAtKill = output(await getJson(fx.gateway.baseUrl, `/fhir/Task/${second.task.id}`), 'done').valueInteger;
    const restartAt = Date.now();
    worker = await fx.restart({ PROCESS_ROLE: 'worker' });
    const bootMs = Date.now() - restartAt;
    let resumedMs: number | undefined;
    await waitDone(fx.gateway, second.task.id, resumeList.length, (done) => {
      if (resumedMs === undefined && done > doneAtKill + CAP) resumedMs = Date.now() - restartAt;
    });
    results.push({ bench: 'night-lot-resume', patients: resumeList.length, done_at_kill: doneAtKill, worker_boot_ms: bootMs, resumed_after_ms: resumedMs });
  } finally {
    await fx.close();
  }
  return results;
}

if (require.main === module) {
  runNightLotBench()
    .then((r) => r.forEach((x) => process.stdout.write(`${JSON.stringify(x)}\n`)))
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
