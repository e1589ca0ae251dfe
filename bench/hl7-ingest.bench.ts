/**
 * HL7 ingest throughput and ACK latency over 1 and 16 concurrent MLLP connections (HL7 original mode), against a
 * real gateway (startTestGateway; Redis queue, then PostgreSQL queue). Each AA leaves only after the message row
 * is committed. Baseline in the same run: a raw node:net MLLP echo server driven by the same client code.
 * ratio = gateway msgs/s ÷ echo msgs/s at the same number of connections.
 *
 * Arrangement: gateway (or echo server) in this process; load generator in a forked child process; the CDRi
 * simulator in another forked child, reached over HTTP as a remote insurer (CDRI_ENDPOINT), so that its CPU is
 * not charged to the gateway. A01/A04 also queue a CDRi check: not on the ACK path, but the dispatcher and the
 * queue worker run in the gateway process during the measurement and compete for its CPU; the backlog left and
 * how long it took to drain are reported. On the Redis gateway, one more 16-connection run sends an identity feed
 * only (A28/A31, variant "…-identity-feed-only"): no follow-up work, so it isolates the cost of the ACK path.
 *
 * Knobs: BENCH_HL7_MESSAGES (measured messages per run, default 30000), BENCH_HL7_MAX_SECONDS (a run also stops
 * after this long, default 15: the 1-connection gateway runs end this way), BENCH_HL7_WARMUP (default 2000, ≤ 3 s),
 * BENCH_HL7_BACKENDS (default "redis,postgres"), BENCH_HL7_CONNECTIONS (default "1,16"),
 * BENCH_HL7_MIX (event weights, default "A04:45,A01:25,A28:20,A31:10"), BENCH_HL7_CDRI_LATENCY_MS (simulated
 * insurer latency, default 50), BENCH_HL7_DRAIN_TIMEOUT_MS (default 30000).
 */
import { type BenchResult, emit, note } from './support/results';
import { runWorker } from './support/fork-worker';
import { startMllpEchoServer } from './support/mllp-echo-server';
import type { MllpLoadConfig, MllpLoadResult } from './support/mllp-load.worker';
import { ProcessSampler } from './support/process-sampler';
import { startBenchGateway } from './support/bench-gateway';
import { startSimulatorProcess } from './support/simulator-process';
import { round } from './support/stats';

const TARGET_MSGS_PER_SEC_16 = 3000;
const SIMULATOR_INSTALL_ID = '00000000-0000-4000-8000-000000000000';
const ARRANGEMENT =
  'server (gateway or echo) in the bench process; MLLP load generator in a forked child process; CDRi simulator in another child process';

const int = (name: string, dflt: number): number => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : dflt;
};

/** Identity feed only (A28/A31): no follow-up work, so this isolates the ACK path from the CDRi work. */
const NO_FOLLOW_UP_MIX = 'A28:70,A31:30';

async function load(
  port: number,
  connections: number,
  matchControlId: boolean,
  sampler?: ProcessSampler,
  mix = process.env.BENCH_HL7_MIX,
): Promise<MllpLoadResult> {
  const cfg: MllpLoadConfig = {
    port,
    connections,
    messages: int('BENCH_HL7_MESSAGES', 30000),
    maxSeconds: int('BENCH_HL7_MAX_SECONDS', 15),
    warmupMessages: int('BENCH_HL7_WARMUP', 2000),
    warmupMaxSeconds: 3,
    seed: 20250115 + connections,
    matchControlId,
    mix,
  };
  return runWorker<MllpLoadConfig, MllpLoadResult>('mllp-load.worker.js', cfg, { onMeasuring: () => sampler?.start() });
}

const latency = (r: MllpLoadResult) => r.ackLatencyMs;
const cpuMsPer = (cores: number, perSecond: number): number => round((cores / perSecond) * 1000, 3);

export async function runHl7IngestBench(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const connectionsList = (process.env.BENCH_HL7_CONNECTIONS ?? '1,16')
    .split(',')
    .map(Number)
    .filter((n) => n > 0);
  const backends = (process.env.BENCH_HL7_BACKENDS ?? 'redis,postgres')
    .split(',')
    .filter((b): b is 'redis' | 'postgres' => b === 'redis' || b === 'postgres');
  const cdriLatencyMs = int('BENCH_HL7_CDRI_LATENCY_MS', 50);
  const drainTimeoutMs = int('BENCH_HL7_DRAIN_TIMEOUT_MS', 30000);

  const baseline = new Map<number, MllpLoadResult & { serverCpuCores?: number }>();
  const echo = await startMllpEchoServer();
  try {
    for (const connections of connectionsList) {
      note(`hl7-ingest: echo baseline, ${connections} connection(s)`);
      const sampler = new ProcessSampler();
      const r = await load(echo.port, connections, false, sampler);
      const proc = sampler.stop(r.clientCpuCores);
      baseline.set(connections, { ...r, serverCpuCores: proc.cpuCores });
      const result: BenchResult = {
        bench: 'hl7-ingest',
        variant: 'mllp-echo-baseline',
        arrangement: ARRANGEMENT,
        connections,
        messages: r.messages,
        stoppedBy: r.stoppedBy,
        msgsPerSec: r.msgsPerSec,
        ackLatencyMs: latency(r),
        ackCodes: r.ackCodes,
        errors: r.errors,
        serverProcess: proc,
        serverCpuMsPerMessage: cpuMsPer(proc.cpuCores, r.msgsPerSec),
        clientCpuCores: r.clientCpuCores,
      };
      emit(result);
      out.push(result);
    }
  } finally {
    await echo.close();
  }

  for (const backend of backends) {
    note(`hl7-ingest: starting gateway (queue ${backend}, simulated CDRi latency ${cdriLatencyMs} ms)`);
    const simulator = await startSimulatorProcess(cdriLatencyMs);
    const gw = await startBenchGateway(backend, { CDRI_ENDPOINT: simulator.url, CDRI_INSTALL_ID: SIMULATOR_INSTALL_ID }).catch(
      async (err) => {
        await simulator.stop();
        throw err;
      },
    );
    const runs: Array<{ connections: number; mix?: string }> = connectionsList.map((connections) => ({
      connections,
      mix: process.env.BENCH_HL7_MIX,
    }));
    if (backend === 'redis' && !process.env.BENCH_HL7_MIX) runs.push({ connections: Math.max(...connectionsList), mix: NO_FOLLOW_UP_MIX });
    try {
      for (const { connections, mix } of runs) {
        const before = await gw.drain(drainTimeoutMs); // the previous run's follow-up work must not overlap this one
        const noFollowUp = mix === NO_FOLLOW_UP_MIX;
        note(`hl7-ingest: gateway/${backend}, ${connections} connection(s)${noFollowUp ? ', identity feed only (no CDRi follow-up)' : ''}`);
        const checks0 = await gw.backlog();
        const sampler = new ProcessSampler(gw.dbPool, { cdriSimulator: simulator.pid });
        const r = await load(gw.gateway.mllpPort, connections, true, sampler, mix);
        const proc = sampler.stop(r.clientCpuCores);
        const atEnd = await gw.backlog();
        const drained = await gw.drain(drainTimeoutMs);
        const after = await gw.backlog();
        const base = baseline.get(connections);
        const result: BenchResult = {
          bench: 'hl7-ingest',
          variant: `gateway-queue-${backend}${noFollowUp ? '-identity-feed-only' : ''}`,
          arrangement: ARRANGEMENT,
          connections,
          messages: r.messages,
          stoppedBy: r.stoppedBy,
          meanMessageBytes: r.meanMessageBytes,
          events: r.events,
          msgsPerSec: r.msgsPerSec,
          ackLatencyMs: latency(r),
          ackCodes: r.ackCodes,
          errors: r.errors,
          baseline: base
            ? {
                name: 'mllp-echo (node:net, same framer, fixed AA, no parsing, no storage)',
                msgsPerSec: base.msgsPerSec,
                ackLatencyMs: latency(base),
              }
            : null,
          ratio: base ? round(r.msgsPerSec / base.msgsPerSec, 4) : null,
          target:
            connections === 16 && !noFollowUp
              ? { metric: 'msgsPerSec', min: TARGET_MSGS_PER_SEC_16, met: r.msgsPerSec >= TARGET_MSGS_PER_SEC_16 }
              : null,
          durability: 'AA sent only after the inbox row is committed (InboxWriter group commit)',
          cdriFollowUp: {
            simulatedInsurerLatencyMs: cdriLatencyMs,
            triggeringMessages: r.triggering,
            checksAnsweredDuringLoad: atEnd.answeredChecks - checks0.answeredChecks,
            backlogAtEndOfLoad: { undispatched: atEnd.undispatched, pendingChecks: atEnd.pendingChecks },
            drainMsAfterLoad: drained.drainMs,
            leftAfterDrainTimeout: drained.left,
            failedChecks: after.failedChecks - checks0.failedChecks,
            note: 'dispatcher and queue worker run in the gateway process during the measurement (CPU shared with ingest); the simulator runs in its own process',
          },
          gatewayProcess: proc,
          // CPU time the gateway process spent per message (ingest + the follow-up work done meanwhile): less
          // sensitive to other load on the machine than msgs/s. The gateway is one event loop, so 1000 ÷ this is
          // the most one fully available core could ingest, before PostgreSQL takes its part of the machine.
          gatewayCpuMsPerMessage: cpuMsPer(proc.cpuCores, r.msgsPerSec),
          echoCpuMsPerMessage: base?.serverCpuCores !== undefined ? cpuMsPer(base.serverCpuCores, base.msgsPerSec) : null,
          clientCpuCores: r.clientCpuCores,
          waitedBeforeRunMs: before.drainMs,
        };
        emit(result);
        out.push(result);
      }
    } finally {
      await gw.stop();
      await simulator.stop();
    }
  }
  return out;
}

if (require.main === module) {
  runHl7IngestBench().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
