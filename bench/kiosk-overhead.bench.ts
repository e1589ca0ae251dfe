/**
 * Kiosk check overhead: POST $submit at a fixed arrival rate (open loop, default 200 req/s for 15 s after 3 s of
 * warm-up) against a gateway whose CDRi simulator answers in 50 ms. Baseline, paired with each gateway run: the
 * same questions at the same rate sent straight to that simulator through CdriSoapAdapter. overhead = gateway −
 * direct, at p50/p90/p99. Target: p99 overhead ≤ 5 ms at 200 req/s.
 *
 * Arrangement: four processes — this one only orchestrates; the gateway (`node dist/src/main.js`) in a child;
 * the CDRi simulator in another child (reached over HTTP as a remote insurer); the load generator in a third.
 * Earlier runs had gateway and simulator in one event loop, which charged the simulator's SOAP work to the
 * gateway's latency. The gateway is started once per HTTP adapter (BENCH_KIOSK_ADAPTERS, default
 * "express,fastify", passed as HTTP_ADAPTER) in the same run, and a last line compares them. 200 req/s from one
 * kiosk would trip the per-kiosk rate limit (600/min), so the load is spread over BENCH_KIOSK_KIOSKS API keys.
 *
 * BENCH_KIOSK_CPU_PROFILE=1 profiles each gateway's measured window (V8 sampling profiler, 200 µs) and adds a summary
 * (self and inclusive time by function and package) to its result; the .cpuprofile files stay in
 * bench/results/cpu-profiles/ for Chrome DevTools. Profiling slows the gateway: compare latencies of unprofiled runs.
 *
 * Knobs: BENCH_KIOSK_RATE (200), BENCH_KIOSK_SECONDS (15), BENCH_KIOSK_WARMUP_SECONDS (3),
 * BENCH_KIOSK_CDRI_LATENCY_MS (50), BENCH_KIOSK_KIOSKS (50), BENCH_KIOSK_ADAPTERS (express,fastify),
 * BENCH_KIOSK_CPU_PROFILE (unset).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { startKioskGateway } from './support/kiosk-gateway';
import { profileIn, summarizeCpuProfile, type ProfileSummary } from './support/cpu-profile-summary';
import { runWorker } from './support/fork-worker';
import type { KioskLoadConfig, KioskLoadResult } from './support/kiosk-load.worker';
import { ProcessSampler } from './support/process-sampler';
import { type BenchResult, emit, note, resultsDir } from './support/results';
import { startSimulatorProcess, type SimulatorProcess } from './support/simulator-process';
import { round } from './support/stats';

const TARGET_P99_OVERHEAD_MS = 5;
const ARRANGEMENT =
  'gateway, CDRi simulator and open-loop load generator each in its own child process; the bench process only orchestrates';

const cpuMsPer = (cores: number, perSecond: number): number => round((cores / perSecond) * 1000, 3);

const int = (name: string, dflt: number): number => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : dflt;
};

interface AdapterRun {
  adapter: string;
  adapterInUse: string;
  cpuMsPerRequest: number;
  /** Cores other users' processes took during the gateway run. */
  otherCores: number;
  result: BenchResult;
  overheadMs: { p50: number; p90: number; p99: number; max: number };
}

export async function runKioskOverheadBench(): Promise<BenchResult[]> {
  const rate = int('BENCH_KIOSK_RATE', 200);
  const seconds = int('BENCH_KIOSK_SECONDS', 15);
  const warmupSeconds = int('BENCH_KIOSK_WARMUP_SECONDS', 3);
  const latencyMs = int('BENCH_KIOSK_CDRI_LATENCY_MS', 50);
  const adapters = (process.env.BENCH_KIOSK_ADAPTERS ?? 'express,fastify')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  const profile = process.env.BENCH_KIOSK_CPU_PROFILE === '1';
  const kiosks = Array.from({ length: int('BENCH_KIOSK_KIOSKS', 50) }, (_, i) => [
    `borne-bench-${i}`,
    `bench-${randomBytes(16).toString('hex')}`,
  ]);

  note(`kiosk-overhead: CDRi simulator process (latency ${latencyMs} ms), adapters ${adapters.join(', ')}${profile ? ', profiled' : ''}`);
  const simulator = await startSimulatorProcess(latencyMs);
  const runs: AdapterRun[] = [];
  const out: BenchResult[] = [];
  try {
    for (const adapter of adapters) {
      const run = await measureAdapter(adapter, simulator, { rate, seconds, warmupSeconds, latencyMs, kiosks, profile });
      runs.push(run);
      emit(run.result);
      out.push(run.result);
    }
  } finally {
    await simulator.stop();
  }
  const [a, b] = runs;
  if (a && b) {
    const comparison: BenchResult = {
      bench: 'kiosk-overhead',
      variant: `adapters-${b.adapter}-vs-${a.adapter}`,
      note: "same run, same simulator process; ratio < 1 means the second adapter adds less overhead. A gateway that does not read HTTP_ADAPTER yet runs Express both times (see each result's adapterInUse).",
      overheadMs: { [a.adapter]: a.overheadMs, [b.adapter]: b.overheadMs },
      ratio: { p50: round(b.overheadMs.p50 / a.overheadMs.p50, 3), p99: round(b.overheadMs.p99 / a.overheadMs.p99, 3) },
      gatewayCpuMsPerRequest: { [a.adapter]: a.cpuMsPerRequest, [b.adapter]: b.cpuMsPerRequest },
      // No verdict when both runs served the same adapter, or when other work held most of the machine: then the
      // difference is noise (seen here: 20-40 s of queueing in both runs at a load average of 16 on 2 cores).
      faster: a.adapterInUse === b.adapterInUse || a.otherCores > 0.5 || b.otherCores > 0.5 ? null : fasterOf(a, b),
      otherCores: { [a.adapter]: a.otherCores, [b.adapter]: b.otherCores },
    };
    emit(comparison);
    out.push(comparison);
  }
  return out;
}

async function measureAdapter(
  adapter: string,
  simulator: SimulatorProcess,
  o: { rate: number; seconds: number; warmupSeconds: number; latencyMs: number; kiosks: string[][]; profile: boolean },
): Promise<AdapterRun> {
  const profilesRoot = join(resultsDir(), 'cpu-profiles');
  if (o.profile) mkdirSync(profilesRoot, { recursive: true });
  const profileDir = o.profile ? mkdtempSync(join(profilesRoot, `kiosk-${adapter}-`)) : undefined;
  note(`kiosk-overhead [${adapter}]: starting gateway process`);
  const gw = await startKioskGateway({
    simulatorUrl: simulator.url,
    adapter,
    kioskApiKeys: o.kiosks.map(([id, key]) => `${id}:${key}`).join(','),
    cpuProfileDir: profileDir,
  });
  let measured: {
    direct: { r: KioskLoadResult; proc: ReturnType<ProcessSampler['stop']> };
    gateway: { r: KioskLoadResult; proc: ReturnType<ProcessSampler['stop']> };
  };
  const adapterInUse = detectAdapter(gw.process.logs.join(''));
  try {
    const config = gw.config;
    const base: Omit<KioskLoadConfig, 'mode'> = {
      gatewayUrl: gw.baseUrl,
      simulatorUrl: simulator.url,
      apiKeys: o.kiosks.map(([, key]) => key),
      ratePerSecond: o.rate,
      warmupSeconds: o.warmupSeconds,
      seconds: o.seconds,
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
      note(`kiosk-overhead [${adapter}]: ${mode}, ${o.rate} req/s for ${o.seconds} s (+${o.warmupSeconds} s warm-up)`);
      const sampler = new ProcessSampler(undefined, { gateway: gw.pid, cdriSimulator: simulator.pid });
      const r = await runWorker<KioskLoadConfig, KioskLoadResult>(
        'kiosk-load.worker.js',
        { ...base, mode },
        {
          onMeasuring: () => {
            if (mode === 'gateway') gw.toggleCpuProfile();
            sampler.start();
          },
        },
      );
      if (mode === 'gateway') gw.toggleCpuProfile();
      return { r, proc: sampler.stop(r.clientCpuCores) };
    };
    // Paired: the direct baseline right before the gateway run, so both see the same machine load.
    measured = { direct: await measure('direct'), gateway: await measure('gateway') };
  } finally {
    await gw.stop();
  }
  const g = measured.gateway.r.latencyMs;
  const d = measured.direct.r.latencyMs;
  const overheadMs = {
    p50: round(g.p50 - d.p50, 3),
    p90: round(g.p90 - d.p90, 3),
    p99: round(g.p99 - d.p99, 3),
    max: round(g.max - d.max, 3),
  };
  const gatewayCores = measured.gateway.proc.machine.helpers?.gateway ?? NaN;
  const simulatorCores = measured.direct.proc.machine.helpers?.cdriSimulator ?? NaN;
  let cpuProfile: ProfileSummary | { error: string } | undefined;
  if (profileDir) {
    const file = profileIn(profileDir);
    cpuProfile = file ? summarizeCpuProfile(file) : { error: `no .cpuprofile in ${profileDir}` };
  }
  const result: BenchResult = {
    bench: 'kiosk-overhead',
    variant: `gateway-vs-direct-cdri-${adapter}`,
    arrangement: ARRANGEMENT,
    httpAdapterRequested: adapter,
    adapterInUse,
    profiled: Boolean(profileDir),
    ratePerSecond: o.rate,
    seconds: o.seconds,
    simulatedInsurerLatencyMs: o.latencyMs,
    kiosks: o.kiosks.length,
    gateway: {
      ...measured.gateway.r,
      processes: measured.gateway.proc,
      gatewayCpuMsPerRequest: cpuMsPer(gatewayCores, measured.gateway.r.achievedRatePerSecond),
    },
    baseline: {
      name: 'direct: same requests, same rate, CdriSoapAdapter → simulator process',
      ...measured.direct.r,
      processes: measured.direct.proc,
      simulatorCpuMsPerRequest: cpuMsPer(simulatorCores, measured.direct.r.achievedRatePerSecond),
    },
    overheadMs,
    ratio: { p50: round(g.p50 / d.p50, 4), p99: round(g.p99 / d.p99, 4) },
    target: { metric: 'overheadMs.p99', max: TARGET_P99_OVERHEAD_MS, met: overheadMs.p99 <= TARGET_P99_OVERHEAD_MS },
    ...(cpuProfile ? { cpuProfile } : {}),
  };
  const cpuMsPerRequest = cpuMsPer(gatewayCores, measured.gateway.r.achievedRatePerSecond);
  return { adapter, adapterInUse, cpuMsPerRequest, otherCores: measured.gateway.proc.machine.otherCores ?? NaN, result, overheadMs };
}

/** What the gateway's boot log says about its HTTP platform (Nest logs the adapter's package when it loads it). */
function detectAdapter(bootLog: string): string {
  if (/platform-fastify|FastifyAdapter/i.test(bootLog)) return 'fastify';
  if (/"httpAdapter":"(\w+)"/.test(bootLog)) return /"httpAdapter":"(\w+)"/.exec(bootLog)![1];
  return 'express (HTTP_ADAPTER not reported by the gateway)';
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

/** The adapter with the lower p99 overhead. */
function fasterOf(a: { adapter: string; overheadMs: { p99: number } }, b: { adapter: string; overheadMs: { p99: number } }): string {
  return b.overheadMs.p99 < a.overheadMs.p99 ? b.adapter : a.adapter;
}
