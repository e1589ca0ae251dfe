/**
 * HL7 fuzz under measurement (issue 8 §3): hostile frames (tests/support/hl7-fuzz-frames.ts — random bytes, mutated
 * public samples, truncated, oversized, deeply repeated, many segments, long fields, mixed charsets, reused ids) through
 * a gateway running in its own process, and what its event loop went through: passerelle_event_loop_delay_seconds
 * (perf_hooks.monitorEventLoopDelay in the gateway, reset at each /metrics scrape — scraped just before and just after
 * the run), plus the latency of GET /health/live polled every 100 ms during the run.
 *
 * Baseline in the same run, same gateway, same connections: well-formed A28 messages only (the ACK path without any
 * hostile input). ratio = hostile event-loop delay p99 ÷ baseline p99. Target: p99 under 50 ms during the hostile run.
 * Every frame must still be answered (AA/AE/AR); counts of unanswered and bad answers are reported (should be 0).
 *
 * Knobs: BENCH_HL7_FUZZ_FRAMES (hostile frames, default 300000), BENCH_HL7_FUZZ_BASELINE_FRAMES (default 100000),
 * BENCH_HL7_FUZZ_CONNECTIONS (default 32), BENCH_HL7_FUZZ_WINDOW (frames in flight per connection, default 8).
 */
import { makeTestNir } from '../src/simulators/cdri/simulated-patients';
import { headersAs, startGatewayFixture } from '../tests/support/gateway-process';
import { type FuzzRunResult, runFuzz } from '../tests/support/hl7-fuzz-driver';
import { buildPamText } from '../tests/support/hl7-samples';
import { ackSummary, sendOnce } from '../tests/support/mllp-raw';
import { type BenchResult, emit, note } from './support/results';
import { round, summarize } from './support/stats';

const TARGET_P99_MS = 50;
const ARRANGEMENT =
  'gateway in its own process (node dist/src/main.js, PostgreSQL + Redis); load generator and CDRi simulator in the bench process';

const int = (name: string, dflt: number): number => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : dflt;
};

interface LoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

async function loopDelay(baseUrl: string): Promise<LoopDelay> {
  const text = await (await fetch(`${baseUrl}/metrics`, { headers: headersAs('metrics') })).text();
  const q = (quantile: string): number => {
    const m = new RegExp(`passerelle_event_loop_delay_seconds\\{quantile="${quantile.replace('.', '\\.')}"\\} ([0-9.e+-]+)`).exec(text);
    return m ? round(Number(m[1]) * 1000, 3) : NaN;
  };
  return { p50Ms: q('0.5'), p99Ms: q('0.99'), maxMs: q('1') };
}

/** Runs one load and measures the gateway's event loop (and /health/live) over exactly that run. */
async function measured(baseUrl: string, run: () => Promise<FuzzRunResult>) {
  await loopDelay(baseUrl); // the scrape resets the gateway's monitor: what follows covers this run only
  const live: number[] = [];
  let polling = true;
  const poll = (async () => {
    while (polling) {
      const t0 = performance.now();
      await fetch(`${baseUrl}/health/live`).then((r) => r.arrayBuffer());
      live.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const result = await run();
  polling = false;
  await poll;
  return { result, loop: await loopDelay(baseUrl), liveMs: summarize(live) };
}

/**
 * The shape that was quadratic before issue 8 (a 197 KB message took 6.5 s): as many IN1 segments and PID-3
 * repetitions as the limits allow (198 + the sample's 2), just under the 1 MiB frame limit — accepted (AA), so
 * validated and stored in full.
 */
function largestAcceptedMessage(): Buffer {
  const base = buildPamText('A28', { controlId: 'FZ-LARGEST', nir: makeTestNir({ order: 190 }) });
  const ids = Array.from({ length: 198 }, (_, i) => `ID${i}^^^GAP&1.2.250.1.999&ISO^PI`).join('~');
  const in1 = Array.from(
    { length: 1900 },
    (_, i) => `IN1|${i + 1}|AMO|011234567|${'CAISSE PRIMAIRE '.repeat(28)}||||||||20250101|20251231`,
  ).join('\r');
  return Buffer.from(base.replace(/\rPID\|1\|\|/, `\rPID|1||${ids}~`) + '\r' + in1, 'utf8');
}

async function timedAck(port: number, payload: Buffer): Promise<{ ms: number; code: string }> {
  const t0 = performance.now();
  const out = await sendOnce(port, payload);
  const ms = round(performance.now() - t0, 3);
  return { ms, code: out.closed ? 'closed' : ackSummary(out.ack).code };
}

export async function runHl7FuzzBench(): Promise<BenchResult[]> {
  const frames = int('BENCH_HL7_FUZZ_FRAMES', 300_000);
  const baselineFrames = int('BENCH_HL7_FUZZ_BASELINE_FRAMES', 100_000);
  const connections = int('BENCH_HL7_FUZZ_CONNECTIONS', 32);
  const window = int('BENCH_HL7_FUZZ_WINDOW', 8);
  note(
    `hl7-fuzz: starting gateway; baseline ${baselineFrames} valid A28, then ${frames} hostile frames, ${connections}×${window} in flight`,
  );
  const fx = await startGatewayFixture({ queue: 'redis', env: { LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info' } });
  try {
    const port = fx.gateway.mllpPort;
    const baseUrl = fx.gateway.baseUrl;
    const base = await measured(baseUrl, () => runFuzz({ port, frames: baselineFrames, connections, window, seed: 1, validOnly: true }));
    note(`hl7-fuzz: baseline done (${base.result.seconds} s), hostile run`);
    const hostile = await measured(baseUrl, () => runFuzz({ port, frames, connections, window, seed: 8_2026, garbageConnections: 4 }));
    const r = hostile.result;
    const result: BenchResult = {
      bench: 'hl7-fuzz',
      arrangement: ARRANGEMENT,
      connections,
      window,
      frames: r.sent,
      seconds: r.seconds,
      framesPerSec: round(r.sent / r.seconds, 1),
      answers: r.answers,
      unanswered: r.unanswered,
      badAnswers: r.badAnswers,
      garbageConnections: { closed: r.garbageClosed, answered: r.garbageAnswered },
      byKind: r.byKind,
      eventLoopDelayMs: hostile.loop,
      healthLiveMs: hostile.liveMs,
      baseline: {
        name: 'same gateway, same connections: well-formed A28 only',
        frames: base.result.sent,
        framesPerSec: round(base.result.sent / base.result.seconds, 1),
        eventLoopDelayMs: base.loop,
        healthLiveMs: base.liveMs,
      },
      ratio: round(hostile.loop.p99Ms / base.loop.p99Ms, 3),
      target: { metric: 'eventLoopDelayMs.p99', max: TARGET_P99_MS, met: hostile.loop.p99Ms < TARGET_P99_MS },
      gatewayAlive: (await fetch(`${baseUrl}/health/live`)).status === 200,
    };
    emit(result);

    const largest = largestAcceptedMessage();
    await loopDelay(baseUrl);
    const big = await timedAck(port, largest);
    const bigLoop = await loopDelay(baseUrl);
    const small = await timedAck(
      port,
      Buffer.from(buildPamText('A28', { controlId: 'FZ-SMALL', nir: makeTestNir({ order: 191 }) }), 'utf8'),
    );
    const single: BenchResult = {
      bench: 'hl7-fuzz',
      variant: 'largest-accepted-message',
      arrangement: ARRANGEMENT,
      bytes: largest.length,
      segments: largest.toString('latin1').split('\r').filter(Boolean).length,
      ackMs: big.ms,
      ack: big.code,
      eventLoopDelayMs: bigLoop,
      baseline: { name: 'one small A28 on a fresh connection, same gateway', ackMs: small.ms, ack: small.code },
      ratio: round(big.ms / small.ms, 2),
    };
    emit(single);
    return [result, single];
  } finally {
    await fx.close();
  }
}
