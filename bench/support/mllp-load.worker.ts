/**
 * Child-process MLLP load generator (HL7 original mode): each connection sends one message, waits for its ACK,
 * then sends the next; connections share one pre-built stream of unique MSH-10s. Warm-up first, then the
 * measured messages. Runs in its own process so its CPU is not charged to the gateway's event loop.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { MllpClient } from '../../src/hl7/mllp/mllp-client';
import { serveWorker } from './fork-worker';
import { PamMix, parseMix, TRIGGERING_EVENTS } from './pam-mix';
import { type LatencySummary, round, summarize } from './stats';

export interface MllpLoadConfig {
  port: number;
  connections: number;
  /** Measured messages (all connections together). */
  messages: number;
  /** The measured phase also ends after this long (messages then = what was sent). */
  maxSeconds: number;
  warmupMessages: number;
  warmupMaxSeconds: number;
  seed: number;
  /** false for the echo baseline (its ACK is fixed, so MSA-2 cannot match). */
  matchControlId: boolean;
  /** Event weights, "A04:45,A01:25,A28:20,A31:10" (default PAM_MIX). */
  mix?: string;
}

export interface MllpLoadResult {
  connections: number;
  messages: number;
  stoppedBy: 'messages' | 'maxSeconds';
  elapsedMs: number;
  msgsPerSec: number;
  ackLatencyMs: LatencySummary;
  ackCodes: Record<string, number>;
  errors: Record<string, number>;
  /** Measured messages per event, and how many of them trigger a CDRi check (A01/A04). */
  events: Record<string, number>;
  triggering: number;
  meanMessageBytes: number;
  /** CPU of the load generator during the measured phase, in cores. */
  clientCpuCores: number;
}

function ackCode(ack: Buffer): string {
  const text = ack.toString('latin1');
  const at = text.indexOf('\rMSA|');
  return at < 0 ? '??' : text.slice(at + 5, at + 7);
}

/** Closed loop over `msgs` until they are all sent or `deadline` passes; returns how many were sent. */
async function drive(
  clients: MllpClient[],
  msgs: Buffer[],
  deadline: number,
  latencies: Float64Array | undefined,
  codes: Record<string, number>,
  errors: Record<string, number>,
): Promise<number> {
  let next = 0;
  await Promise.all(
    clients.map(async (client) => {
      for (;;) {
        if (next >= msgs.length || performance.now() >= deadline) return;
        const i = next++;
        const t0 = performance.now();
        try {
          const ack = await client.send(msgs[i]);
          if (latencies) latencies[i] = performance.now() - t0;
          const code = ackCode(ack);
          codes[code] = (codes[code] ?? 0) + 1;
        } catch (err) {
          if (latencies) latencies[i] = performance.now() - t0;
          const code = (err as { code?: string }).code ?? 'ERROR';
          errors[code] = (errors[code] ?? 0) + 1;
        }
      }
    }),
  );
  return next;
}

async function main(cfg: MllpLoadConfig, measuring: () => void): Promise<MllpLoadResult> {
  const mix = new PamMix(cfg.seed, parseMix(cfg.mix));
  const prefix = 'B' + randomBytes(4).toString('hex').slice(0, 7); // unique per run: MSH-10 must never repeat
  let seq = 0;
  const warmup = Array.from({ length: cfg.warmupMessages }, () => mix.next(prefix + (seq++).toString(36)).bytes);
  const measuredEvents: string[] = [];
  const measured = Array.from({ length: cfg.messages }, () => {
    const m = mix.next(prefix + (seq++).toString(36));
    measuredEvents.push(m.event);
    return m.bytes;
  });
  const bytes = measured.reduce((a, b) => a + b.length, 0);

  const clients = Array.from(
    { length: cfg.connections },
    () => new MllpClient({ host: '127.0.0.1', port: cfg.port, timeoutMs: 60_000, matchControlId: cfg.matchControlId }),
  );
  await Promise.all(clients.map((c) => c.connect()));
  await drive(clients, warmup, performance.now() + cfg.warmupMaxSeconds * 1000, undefined, {}, {});

  measuring();
  const latencies = new Float64Array(measured.length);
  const codes: Record<string, number> = {};
  const errors: Record<string, number> = {};
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const sent = await drive(clients, measured, t0 + cfg.maxSeconds * 1000, latencies, codes, errors);
  const elapsedMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await Promise.all(clients.map((c) => c.close()));

  // Events of the messages actually sent (the stream is in order).
  const events: Record<string, number> = {};
  for (let i = 0; i < sent; i++) events[measuredEvents[i]] = (events[measuredEvents[i]] ?? 0) + 1;
  return {
    connections: cfg.connections,
    messages: sent,
    stoppedBy: sent < measured.length ? 'maxSeconds' : 'messages',
    elapsedMs: round(elapsedMs, 1),
    msgsPerSec: round((sent / elapsedMs) * 1000, 1),
    ackLatencyMs: summarize(latencies.subarray(0, sent)),
    ackCodes: codes,
    errors,
    events,
    triggering: Object.entries(events).reduce((a, [e, n]) => a + (TRIGGERING_EVENTS.has(e) ? n : 0), 0),
    meanMessageBytes: Math.round(bytes / Math.max(1, measured.length)),
    clientCpuCores: round((cpu.user + cpu.system) / 1000 / elapsedMs, 2),
  };
}

serveWorker(main);
