import net from 'node:net';
import { parseHl7 } from '../../src/hl7/hl7-message';
import { encodeFrame } from '../../src/hl7/mllp/mllp-framer';
import { type FuzzFrame, type FuzzKind, FuzzFrames, garbageStream } from './hl7-fuzz-frames';

export interface FuzzRunOptions {
  port: number;
  frames: number;
  connections: number;
  /** Frames written ahead of their answers on one connection (pipelining; the server handles them in order). */
  window: number;
  seed: number;
  oversized?: number;
  maxFrameBytes?: number;
  /** Connections that send non-MLLP bytes (must be closed unanswered). */
  garbageConnections?: number;
  /** Well-formed A28 messages only (the benchmark's baseline), instead of hostile frames. */
  validOnly?: boolean;
}

export interface FuzzRunResult {
  sent: number;
  /** Answers by MSA-1. */
  answers: Record<'AA' | 'AE' | 'AR', number>;
  /** Answers that are not a readable ACK with MSA-1 AA/AE/AR (must be 0). */
  badAnswers: number;
  /** Frames whose connection closed before their answer came (must be 0). */
  unanswered: number;
  /** Answers per generated kind, as `kind:code` → count. */
  byKind: Record<string, number>;
  /** Garbage connections the gateway closed without answering (must equal garbageConnections). */
  garbageClosed: number;
  garbageAnswered: number;
  seconds: number;
  /** The first few bad answers (latin1, truncated), to see what went wrong. */
  badSamples: string[];
}

/**
 * Drives a running gateway's MLLP port with generated frames (hl7-fuzz-frames.ts) over several connections, each
 * pipelining `window` frames, and checks every answer. Frames are generated lazily so 100,000 never sit in memory.
 */
export async function runFuzz(o: FuzzRunOptions): Promise<FuzzRunResult> {
  const gen = new FuzzFrames(o.seed, o.validOnly ? 0 : (o.oversized ?? 4), o.maxFrameBytes, o.validOnly ?? false);
  const result: FuzzRunResult = {
    sent: 0,
    answers: { AA: 0, AE: 0, AR: 0 },
    badAnswers: 0,
    unanswered: 0,
    byKind: {},
    garbageClosed: 0,
    garbageAnswered: 0,
    seconds: 0,
    badSamples: [],
  };
  let next = 0;
  const take = (): FuzzFrame | undefined => (next < o.frames ? gen.next(next++, o.frames) : undefined);
  const started = Date.now();
  await Promise.all([
    ...Array.from({ length: o.connections }, () => connection(o, take, result)),
    ...Array.from({ length: o.garbageConnections ?? 0 }, (_, i) => garbage(o.port, o.seed + i, result)),
  ]);
  result.seconds = (Date.now() - started) / 1000;
  return result;
}

function record(result: FuzzRunResult, kind: FuzzKind, ack: Buffer): void {
  let code = '';
  let why = '';
  try {
    code = parseHl7(ack).get('MSA', 1, 1);
  } catch (err) {
    why = (err as Error).message;
  }
  if (code === 'AA' || code === 'AE' || code === 'AR') result.answers[code]++;
  else {
    result.badAnswers++;
    if (result.badSamples.length < 5) result.badSamples.push(`${kind} (${why || 'MSA-1 ' + code}): ${ack.toString('latin1', 0, 400)}`);
  }
  const key = `${kind}:${code || 'bad'}`;
  result.byKind[key] = (result.byKind[key] ?? 0) + 1;
}

function connection(o: FuzzRunOptions, take: () => FuzzFrame | undefined, result: FuzzRunResult): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port: o.port });
    const inFlight: FuzzKind[] = [];
    let buf = Buffer.alloc(0);
    let exhausted = false;
    const fill = (): void => {
      while (!exhausted && inFlight.length < o.window) {
        const f = take();
        if (f === undefined) {
          exhausted = true;
          break;
        }
        inFlight.push(f.kind);
        result.sent++;
        socket.write(encodeFrame(f.payload));
      }
      if (exhausted && inFlight.length === 0) socket.end();
    };
    socket.on('connect', fill);
    socket.on('data', (d) => {
      buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
      for (let end = buf.indexOf(0x1c); end !== -1; end = buf.indexOf(0x1c)) {
        const start = buf.indexOf(0x0b);
        const kind = inFlight.shift();
        if (kind === undefined) result.badAnswers++;
        else record(result, kind, buf.subarray(start + 1, end));
        buf = buf.subarray(end + 2);
      }
      fill();
    });
    socket.on('close', () => {
      result.unanswered += inFlight.length;
      resolve();
    });
    socket.on('error', (err) => {
      if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(err);
    });
  });
}

function garbage(port: number, seed: number, result: FuzzRunResult): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let answered = false;
    socket.on('connect', () => socket.write(garbageStream(seed, 256 * 1024)));
    socket.on('data', () => (answered = true));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (answered) result.garbageAnswered++;
      else result.garbageClosed++;
      resolve();
    });
  });
}
