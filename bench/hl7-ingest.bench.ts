/**
 * HL7 ingest throughput and ACK latency over 1 and 16 concurrent MLLP connections (HL7 original mode), against a
 * real gateway (startTestGateway; Redis queue, then PostgreSQL queue). Each AA leaves only after the message row
 * is committed. Baseline in the same run: a raw node:net MLLP echo server driven by the same client code.
 * ratio = gateway msgs/s ÷ echo msgs/s at the same number of connections.
 *
 * Arrangement: gateway (or echo server) in this process; load generator in a forked child process.
 * A01/A04 also queue a CDRi check: not on the ACK path, but the worker (and the in-process CDRi simulator) run
 * in the gateway process during the measurement and compete for its CPU; the backlog left and how long it took
 * to drain are reported.
 *
 * Knobs: BENCH_HL7_MESSAGES (measured messages per run, default 20000), BENCH_HL7_WARMUP (default 2000),
 * BENCH_HL7_BACKENDS (default "redis,postgres"), BENCH_HL7_CONNECTIONS (default "1,16"),
 * BENCH_HL7_MIX (event weights, default "A04:45,A01:25,A28:20,A31:10"), BENCH_HL7_CDRI_LATENCY_MS (simulated insurer latency, default 50), BENCH_HL7_DRAIN_TIMEOUT_MS (default 60000).
 */
import { BenchResult, emit, note } from './support/results';
import { runWorker } from './support/fork-worker';
import { startMllpEchoServer } from './support/mllp-echo-server';
import type { MllpLoadConfig, MllpLoadResult } from './support/mllp-load.worker';
import { ProcessSampler } from './support/process-sampler';
import { startBenchGateway } from './support/bench-gateway';
import { round } from './support/stats';

const TARGET_MSGS_PER_SEC_16 = 3000;
const ARRANGEMENT = 'server (gateway or echo) in the bench process; MLLP load generator in a forked child process';

const int = (name: string, dflt: number): number => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : dflt;
};

async function load(port: number, connections: number, matchControlId: boolean, sampler?: ProcessSampler): Promise<MllpLoadResult> {
  const cfg: MllpLoadConfig = {
    port,
    connections,
    messages: int('BENCH_HL7_MESSAGES', 20000),
    warmupMessages: int('BENCH_HL7_WARMUP', 2000),
    seed: 20250115 + connections,
    matchControlId,
    mix: process.env.BENCH_HL7_MIX,
  };
  return runWorker<MllpLoadConfig, MllpLoadResult>('mllp-load.worker.js', cfg, { onMeasuring: () => sampler?.start() });
}

const latency = (r: MllpLoadResult) => r.ackLatencyMs;

export async function runHl7IngestBench(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const connectionsList = (process.env.BENCH_HL7_CONNECTIONS ?? '1,16').split(',').map(Number).filter((n) => n > 0);
  const backends = (process.env.BENCH_HL7_BACKENDS ?? 'redis,postgres').split(',').filter((b): b is 'redis' | 'postgres' => b === 'redis' || b === 'postgres');
  const cdriLatencyMs = int('BENCH_HL7_CDRI_LATENCY_MS', 50);
  const drainTimeoutMs = int('BENCH_HL7_DRAIN_TIMEOUT_MS', 60000);

  const baseline = new Map<number, MllpLoadResult>();
  const echo = await startMllpEchoServer();
  try {
    for (const connections of connectionsList) {
      note(`hl7-ingest: echo baseline, ${connections} connection(s)`);
      const sampler = new ProcessSampler();
      const r = await load(echo.port, connections, false, sampler);
      const proc = sampler.stop(r.clientCpuCores);
      baseline.set(connections, r);
      const result: BenchResult = {
        bench: 'hl7-ingest',
        variant: 'mllp-echo-baseline',
        arrangement: ARRANGEMENT,
        connections,
        messages: r.messages,
        msgsPerSec: r.msgsPerSec,
        ackLatencyMs: latency(r),
        ackCodes: r.ackCodes,
        errors: r.errors,
        serverProcess: proc,
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
    const gw = await startBenchGateway(backend, { SIMULATOR_CDRI_LATENCY_MS: String(cdriLatencyMs) });
    try {
      for (const connections of connectionsList) {
        const before = await gw.drain(drainTimeoutMs); // the previous run's follow-up work must not overlap this one
        note(`hl7-ingest: gateway/${backend}, ${connections} connection(s)`);
        const checks0 = await gw.backlog();
        const sampler = new ProcessSampler();
        const r = await load(gw.gateway.mllpPort, connections, true, sampler);
        const proc = sampler.stop(r.clientCpuCores);
        const atEnd = await gw.backlog();
        const drained = await gw.drain(drainTimeoutMs);
        const after = await gw.backlog();
        const base = baseline.get(connections);
        const result: BenchResult = {
          bench: 'hl7-ingest',
          variant: `gateway-queue-${backend}`,
          arrangement: ARRANGEMENT,
          connections,
          messages: r.messages,
          meanMessageBytes: r.meanMessageBytes,
          events: r.events,
          msgsPerSec: r.msgsPerSec,
          ackLatencyMs: latency(r),
          ackCodes: r.ackCodes,
          errors: r.errors,
          baseline: base ? { name: 'mllp-echo (node:net, same framer, fixed AA, no parsing, no storage)', msgsPerSec: base.msgsPerSec, ackLatencyMs: latency(base) } : null,
          ratio: base ? round(r.msgsPerSec / base.msgsPerSec, 4) : null,
          target: connections === 16 ? { metric: 'msgsPerSec', min: TARGET_MSGS_PER_SEC_16, met: r.msgsPerSec >= TARGET_MSGS_PER_SEC_16 } : null,
          durability: 'AA sent only after the inbox row is committed (InboxWriter group commit)',
          cdriFollowUp: {
            simulatedInsurerLatencyMs: cdriLatencyMs,
            triggeringMessages: r.triggering,
            checksAnsweredDuringLoad: atEnd.answeredChecks - checks0.answeredChecks,
            backlogAtEndOfLoad: { undispatched: atEnd.undispatched, pendingChecks: atEnd.pendingChecks },
            drainMsAfterLoad: drained.drainMs,
            leftAfterDrainTimeout: drained.left,
            failedChecks: after.failedChecks - checks0.failedChecks,
            note: 'queue worker and CDRi simulator run in the gateway process during the measurement (CPU shared with ingest)',
          },
          gatewayProcess: proc,
          clientCpuCores: r.clientCpuCores,
          waitedBeforeRunMs: before.drainMs,
        };
        emit(result);
        out.push(result);
      }
    } finally {
      await gw.stop();
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
