/**
 * MLLP sender (tests, demo, benchmark, and later outbound messages to the GAP).
 *
 * Original mode: one message in flight at a time; send() calls are queued and run in order. An ACK is accepted only
 * if its MSA-2 equals the MSH-10 sent: anything else means the stream is out of step, so the socket is dropped
 * (as on a timeout, where a late ACK would otherwise be taken for the next message's).
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { resolveCharset } from '../hl7-charset';
import { piece } from '../hl7-escape';
import { DEFAULT_MAX_FRAME_BYTES, encodeFrame, MllpFramer } from './mllp-framer';

export interface MllpClientOptions {
  host: string;
  port: number;
  /** TLS connection options (ca, cert, key, servername…); plain TCP when absent. */
  tls?: tls.ConnectionOptions;
  /** Per-message ACK timeout. Default 30 s. */
  timeoutMs?: number;
  connectTimeoutMs?: number;
  maxFrameBytes?: number;
  /** Check MSA-2 against MSH-10 (default true). */
  matchControlId?: boolean;
}

export type MllpClientErrorCode = 'TIMEOUT' | 'ACK_MISMATCH' | 'CLOSED' | 'CONNECT' | 'BAD_MESSAGE';

export class MllpClientError extends Error {
  constructor(
    readonly code: MllpClientErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'MllpClientError';
  }
}

interface InFlight {
  controlId: string;
  resolve: (ack: Buffer) => void;
  reject: (err: Error) => void;
}

/** Field `n` (component 1) of the first segment named `name`, read from latin1 text (ASCII header data only). */
function headerField(text: string, name: string, n: number): string {
  let at = 0;
  if (!text.startsWith(name)) {
    const m = new RegExp(`[\\r\\n]${name}`).exec(text);
    if (m === null) return '';
    at = m.index + 1;
  }
  const line = text.slice(at).split(/[\r\n]/, 1)[0];
  const component = text.startsWith('MSH') ? text.charAt(4) : '^';
  // MSH counts its field separator as MSH-1, so MSH-n is piece n; for other segments it is piece n+1.
  return piece(piece(line, line.charAt(3), name === 'MSH' ? n : n + 1), component, 1);
}

export class MllpClient {
  private socket: net.Socket | undefined;
  private framer: MllpFramer;
  private inFlight: InFlight | undefined;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: MllpClientOptions) {
    this.framer = new MllpFramer({ maxFrameBytes: opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES });
  }

  get connected(): boolean {
    return this.socket !== undefined && !this.socket.destroyed;
  }

  connect(): Promise<void> {
    if (this.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const { host, port } = this.opts;
      const event = this.opts.tls !== undefined ? 'secureConnect' : 'connect';
      const s = this.opts.tls !== undefined ? tls.connect({ ...this.opts.tls, host, port }) : net.connect(port, host);
      this.framer = new MllpFramer({ maxFrameBytes: this.opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES });
      this.socket = s;
      const timer = setTimeout(() => s.destroy(new Error('connect timeout')), this.opts.connectTimeoutMs ?? 10_000);
      s.once(event, () => {
        clearTimeout(timer);
        s.setNoDelay(true);
        resolve();
      });
      s.once('error', (err) => {
        clearTimeout(timer);
        reject(new MllpClientError('CONNECT', `cannot connect to ${host}:${port}: ${(err as Error).message}`));
      });
      s.on('error', () => undefined); // later errors surface through 'close'
      // Events of a socket already replaced (after a timeout or a mismatch) must not touch the current exchange.
      s.on('data', (chunk: Buffer) => {
        if (this.socket === s) this.onData(chunk);
      });
      s.on('close', () => {
        if (this.socket !== s) return;
        this.socket = undefined;
        this.fail(new MllpClientError('CLOSED', 'connection closed before the ACK arrived'));
      });
    });
  }

  /** Sends one message (string: encoded in its MSH-18 charset) and resolves with the ACK payload. */
  send(message: Buffer | string): Promise<Buffer> {
    const run = (): Promise<Buffer> => this.sendNow(message);
    const p = this.tail.then(run, run);
    this.tail = p.catch(() => undefined);
    return p;
  }

  /** Waits for queued sends to settle, then closes the connection. */
  async close(): Promise<void> {
    await this.tail;
    const s = this.socket;
    if (s === undefined || s.destroyed) return;
    await new Promise<void>((resolve) => {
      s.once('close', () => resolve());
      s.end();
      setTimeout(() => s.destroy(), 1000).unref();
    });
  }

  private async sendNow(message: Buffer | string): Promise<Buffer> {
    let bytes: Buffer;
    let head: string;
    if (typeof message === 'string') {
      head = message.slice(0, 4096);
      try {
        bytes = resolveCharset(headerField(head, 'MSH', 18)).encode(message);
      } catch (err) {
        throw new MllpClientError('BAD_MESSAGE', (err as Error).message);
      }
    } else {
      bytes = message;
      head = message.toString('latin1', 0, Math.min(message.length, 4096));
    }
    const controlId = headerField(head, 'MSH', 10);
    if (!this.connected) await this.connect();
    const socket = this.socket as net.Socket;
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new MllpClientError('TIMEOUT', `no ACK within ${this.opts.timeoutMs ?? 30_000} ms`));
        socket.destroy();
      }, this.opts.timeoutMs ?? 30_000);
      const done =
        <T>(f: (v: T) => void) =>
        (v: T): void => {
          clearTimeout(timer);
          this.inFlight = undefined;
          f(v);
        };
      this.inFlight = { controlId, resolve: done(resolve), reject: done(reject) };
      socket.write(encodeFrame(bytes));
    });
  }

  private onData(chunk: Buffer): void {
    for (const ev of this.framer.push(chunk)) {
      if (ev.type !== 'frame') continue; // noise between frames: ignore, the ACK matching is what matters
      const pending = this.inFlight;
      if (pending === undefined) continue; // unsolicited frame (e.g. late ACK already timed out)
      const ackId = headerField(ev.frame.toString('latin1', 0, Math.min(ev.frame.length, 4096)), 'MSA', 2);
      if (this.opts.matchControlId !== false && ackId !== pending.controlId) {
        pending.reject(new MllpClientError('ACK_MISMATCH', 'ACK MSA-2 does not match the MSH-10 sent'));
        this.socket?.destroy();
        continue;
      }
      pending.resolve(ev.frame);
    }
  }

  private fail(err: Error): void {
    this.inFlight?.reject(err);
  }
}
