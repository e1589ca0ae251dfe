/**
 * Kiosk check overhead: POST $submit at a fixed arrival rate (open loop, default 200 req/s for 15 s after 3 s of
 * warm-up) against a gateway whose CDRi simulator answers in 50 ms. Baseline in the same run: the same questions
 * at the same rate sent straight to that simulator through CdriSoapAdapter. overhead = gateway − direct, at p50
 * and p99. Target: p99 overhead ≤ 5 ms at 200 req/s.
 *
 * Arrangement: gateway + simulator in this process; both load generators (direct and via the gateway) in a forked
 * child process, one after the other. 200 req/s from one kiosk would trip the per-kiosk rate limit (600/min), so
 * the load is spread over BENCH_KIOSK_KIOSKS API keys (default 50, i.e. 4 req/s each).
 *
 * Knobs: BENCH_KIOSK_RATE (200), BENCH_KIOSK_SECONDS (15), BENCH_KIOSK_WARMUP_SECONDS (3),
 * BENCH_KIOSK_CDRI_LATENCY_MS (50), BENCH_KIOSK_KIOSKS (50).
 */
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { DEFAULTS as SIMULATOR_DEFAULTS } from '../src/simulators/cdri/cdri-simulator.options';
import { startBenchGateway } from './support/bench-gateway';
import { runWorker } from './support/fork-worker';
import type { KioskLoadConfig, KioskLoadResult } from './support/kiosk-load.worker';
import { ProcessSampler } from './support/process-sampler';
import { BenchResult, emit, note } from './support/results';
import { round } from './support/stats';

const TARGET_P99_OVERHEAD_MS = 5;
const ARRANGEMENT = 'gateway and CDRi simulator in the bench process; open-loop HTTP / CdriSoapAdapter load generator in a forked child process';

const cpuMsPer = (cores: number, perSecond: number): number => round((cores / perSecond) * 1000, 3);

const int = (name: string, dflt: number): number => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : dflt;
};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export async function runKioskOverheadBench(): Promise<BenchResult[]> {
  const rate = int('BENCH_KIOSK_RATE', 200);
  const seconds = int('BENCH_KIOSK_SECONDS', 15);
  const warmupSeconds = int('BENCH_KIOSK_WARMUP_SECONDS', 3);
  const latencyMs = int('BENCH_KIOSK_CDRI_LATENCY_MS', 50);
  const kiosks = Array.from({ length: int('BENCH_KIOSK_KIOSKS', 50) }, (_, i) => [`borne-bench-${i}`, `bench-${randomBytes(12).toString('hex')}`]);
  const simulatorPort = await freePort();

  note(`kiosk-overhead: starting gateway (simulated CDRi latency ${latencyMs} ms, ${kiosks.length} kiosks)`);
  const gw = await startBenchGateway('redis', {
    SIMULATOR_CDRI_PORT: String(simulatorPort),
    SIMULATOR_CDRI_LATENCY_MS: String(latencyMs),
    KIOSK_API_KEYS: kiosks.map(([id, key]) => `${id}:${key}`).join(','),
  });
  try {
    const config = gw.gateway.config;
    if (config.cdri.mode !== 'simulator') throw new Error('kiosk-overhead: CDRi must be the simulator');
    const base: Omit<KioskLoadConfig, 'mode'> = {
      gatewayUrl: `http://127.0.0.1:${gw.gateway.httpPort}`,
      simulatorUrl: `http://127.0.0.1:${simulatorPort}${SIMULATOR_DEFAULTS.path}`,
      apiKeys: kiosks.map(([, key]) => key),
      ratePerSecond: rate,
      warmupSeconds,
      seconds,
      finess: config.establishmentFiness,
      cdri: {
        timeoutMs: config.cdri.common.timeoutMs,
        maxSockets: config.cdri.common.maxSockets,
        context: {
          softwareName: config.cdri.common.softwareName,
          authorisationNumber: config.cdri.common.authorisationNumber,
          softwareVersion: config.cdri.common.softwareVersion,
          installId: config.cdri.common.installId,
        },
      },
    };

    const measure = async (mode: KioskLoadConfig['mode']) => {
      note(`kiosk-overhead: ${mode}, ${rate} req/s for ${seconds} s (+${warmupSeconds} s warm-up)`);
      const sampler = new ProcessSampler(gw.dbPool);
      const r = await runWorker<KioskLoadConfig, KioskLoadResult>('kiosk-load.worker.js', { ...base, mode }, { onMeasuring: () => sampler.start() });
      return { r, proc: sampler.stop(r.clientCpuCores) };
    };
    const direct = await measure('direct');
    const viaGateway = await measure('gateway');

    const g = viaGateway.r.latencyMs;
    const d = direct.r.latencyMs;
    const p99Overhead = round(g.p99 - d.p99, 3);
    const result: BenchResult = {
      bench: 'kiosk-overhead',
      variant: 'gateway-vs-direct-cdri',
      arrangement: ARRANGEMENT,
      ratePerSecond: rate,
      seconds,
      simulatedInsurerLatencyMs: latencyMs,
      kiosks: kiosks.length,
      gateway: { ...viaGateway.r, gatewayProcess: viaGateway.proc, gatewayCpuMsPerRequest: cpuMsPer(viaGateway.proc.cpuCores, viaGateway.r.achievedRatePerSecond) },
      // The direct run's "gatewayProcess" is the same process, where only the simulator was working.
      baseline: { name: 'direct: same requests, same rate, CdriSoapAdapter → simulator', ...direct.r, gatewayProcess: direct.proc, simulatorCpuMsPerRequest: cpuMsPer(direct.proc.cpuCores, direct.r.achievedRatePerSecond) },
      overheadMs: { p50: round(g.p50 - d.p50, 3), p90: round(g.p90 - d.p90, 3), p99: p99Overhead, max: round(g.max - d.max, 3) },
      ratio: { p50: round(g.p50 / d.p50, 4), p99: round(g.p99 / d.p99, 4) },
      target: { metric: 'overheadMs.p99', max: TARGET_P99_OVERHEAD_MS, met: p99Overhead <= TARGET_P99_OVERHEAD_MS },
    };
    emit(result);
    return [result];
  } finally {
    await gw.stop();
  }
}

if (require.main === module) {
  runKioskOverheadBench().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
