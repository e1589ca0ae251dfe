/**
 * MLLP listener (TCP, or TLS when key/cert are given).
 *
 * HL7 original mode: a sender waits for the ACK of a message before sending the next one, so frames of one socket
 * are handled strictly one at a time, in order; different sockets proceed in parallel.
 * Every complete frame gets an answer: the handler's, else onHandlerError's, else a NAK built from the raw frame.
 * Nothing here logs message content: problems are reported through onError with codes and sizes only.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { ControlIdGenerator } from '../control-id';
import { buildNakFromRaw } from '../hl7-ack';
import { DEFAULT_MAX_FRAME_BYTES, encodeFrame, MllpFramer } from './mllp-framer';

/** Consecutive bytes outside frames tolerated before the connection is closed. */
const MAX_GARBAGE_BYTES = 64 * 1024;

export interface MllpFrameMeta {
  remoteAddress: string;
  socketId: string;
  /** TLS only: whether the client certificate was verified against `ca`. */
  authorized?: boolean;
  /** TLS only: SHA-256 fingerprint of the client certificate, for per-sender authorisation. */
  peerFingerprint256?: string;
}

export type MllpErrorCode =
  | 'GARBAGE'
  | 'FRAME_TOO_LARGE'
  | 'HANDLER_FAILED'
  | 'ON_HANDLER_ERROR_FAILED'
  | 'SOCKET'
  | 'IDLE_TIMEOUT'
  | 'ACK_NOT_DELIVERED'
  | 'TOO_MANY_CONNECTIONS'
  | 'CLOSED_UNANSWERED';

/**
 * Thrown by a handler that must not answer this frame at all (e.g. the message could not be stored and the sender's
 * configuration says "close"): the connection is closed without an ACK, so that the sender sends it again, and the
 * frames queued behind it on that connection are dropped unanswered too (they will be resent in order).
 */
export class MllpCloseConnection extends Error {
  constructor(readonly why: string) {
    super(why);
    this.name = 'MllpCloseConnection';
  }
}

/** What the server reports through onError. Messages carry codes and sizes, never message content. */
export class MllpError extends Error {
  readonly socketId?: string;
  readonly remoteAddress?: string;

  constructor(
    readonly code: MllpErrorCode,
    message: string,
    where?: Partial<MllpFrameMeta>,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'MllpError';
    this.socketId = where?.socketId;
    this.remoteAddress = where?.remoteAddress;
  }
}

export interface MllpTlsOptions {
  key: string | Buffer;
  cert: string | Buffer;
  ca?: string | Buffer | Array<string | Buffer>;
  /** Ask for a client certificate (mutual TLS). Unverified clients are refused unless rejectUnauthorized is false. */
  requestCert?: boolean;
  rejectUnauthorized?: boolean;
  minVersion?: tls.SecureVersion;
}

export interface MllpServerOptions {
  host?: string;
  /** 0 = ephemeral port, returned by listen(). */
  port: number;
  handler: (frame: Buffer, meta: MllpFrameMeta) => Promise<Buffer>;
  /** Builds the answer when the handler throws (an AE/AR). Default: buildNakFromRaw (AR, 207). */
  onHandlerError?: (frame: Buffer, err: unknown, meta: MllpFrameMeta) => Buffer | Promise<Buffer>;
  maxFrameBytes?: number;
  /** Closes sockets idle for that long (never while a frame is being handled). 0/undefined = never. */
  idleTimeoutMs?: number;
  onError?: (err: MllpError) => void;
  tls?: MllpTlsOptions;
  /** Frames queued on one socket before reading from it is paused (back-pressure on pipelining senders). */
  maxQueuedFrames?: number;
  /** Connections open at once; one more is closed as soon as it is accepted. Default unlimited. */
  maxConnections?: number;
  /** Called for each connection closed because maxConnections were open (a metric). */
  onConnectionRefused?: () => void;
  /** MSH-10 of NAKs built here. */
  nextControlId?: () => string;
  /** MSH-3/MSH-4 of NAKs built here. */
  sendingApp?: string;
  sendingFacility?: string;
}

interface Conn {
  socket: net.Socket;
  meta: MllpFrameMeta;
  framer: MllpFramer;
  /** Frames waiting for their turn; `nak` is a ready answer (oversized frame: nothing to hand to the handler). */
  queue: Array<{ frame: Buffer; nak?: Buffer }>;
  /** Bytes received outside any frame since the last frame. */
  garbage: number;
  /** Promise of the drain loop while it runs. */
  running?: Promise<void>;
}

export class MllpServer {
  private readonly server: net.Server;
  private readonly conns = new Set<Conn>();
  private closing = false;
  private seq = 0;
  private readonly nextControlId: () => string;
  private readonly maxFrameBytes: number;
  private readonly maxQueuedFrames: number;

  constructor(private readonly opts: MllpServerOptions) {
    const ids = new ControlIdGenerator();
    this.nextControlId = opts.nextControlId ?? (() => ids.next());
    this.maxFrameBytes = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.maxQueuedFrames = opts.maxQueuedFrames ?? 32;
    const onSocket = (s: net.Socket): void => this.accept(s);
    if (opts.tls !== undefined) {
      const t = opts.tls;
      const options: tls.TlsOptions = {
        key: t.key,
        cert: t.cert,
        ca: t.ca,
        requestCert: t.requestCert ?? false,
        rejectUnauthorized: t.rejectUnauthorized ?? true,
        minVersion: t.minVersion ?? 'TLSv1.2',
      };
      this.server = tls.createServer(options, onSocket);
      // Failed handshakes are a client problem: report them, never let them crash the process.
      this.server.on('tlsClientError', (err: Error, s: tls.TLSSocket) =>
        this.report('SOCKET', `TLS handshake failed: ${err.message}`, { remoteAddress: s.remoteAddress }, err),
      );
    } else {
      this.server = net.createServer(onSocket);
    }
    this.server.on('error', (err) => this.report('SOCKET', `server error: ${err.message}`, undefined, err));
  }

  /** Open connections. */
  get connections(): number {
    return this.conns.size;
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen(this.opts.port, this.opts.host ?? '127.0.0.1', () => {
        this.server.off('error', onError);
        resolve((this.server.address() as net.AddressInfo).port);
      });
    });
  }

  /**
   * Stops accepting, stops reading, lets the frames being handled finish and their ACKs be written, then destroys
   * the sockets. Frames queued but not started are dropped unanswered: the sender will resend them.
   */
  async close(): Promise<void> {
    this.closing = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const c of this.conns) c.socket.pause();
    await Promise.all([...this.conns].map((c) => c.running ?? Promise.resolve()));
    for (const c of this.conns) c.socket.destroy();
    await closed;
  }

  private accept(socket: net.Socket): void {
    if (this.closing) return void socket.destroy();
    if (this.opts.maxConnections !== undefined && this.conns.size >= this.opts.maxConnections) {
      // Closed before reading a byte: a flood of connections costs a socket each, never a parse or a query.
      this.report('TOO_MANY_CONNECTIONS', `connection closed: ${this.conns.size} connections already open`, {
        remoteAddress: socket.remoteAddress,
      });
      try {
        this.opts.onConnectionRefused?.();
      } catch {
        /* a failing counter must not keep the socket open */
      }
      return void socket.destroy();
    }
    this.seq += 1;
    const meta: MllpFrameMeta = { remoteAddress: socket.remoteAddress ?? 'unknown', socketId: `mllp-${this.seq}` };
    if (socket instanceof tls.TLSSocket) {
      meta.authorized = socket.authorized;
      const cert = socket.getPeerCertificate();
      if (cert !== null && typeof cert.fingerprint256 === 'string') meta.peerFingerprint256 = cert.fingerprint256;
    }
    const framer = new MllpFramer({ maxFrameBytes: this.maxFrameBytes });
    const conn: Conn = { socket, meta, framer, queue: [], garbage: 0 };
    this.conns.add(conn);
    socket.setKeepAlive(true, 60_000);
    socket.setNoDelay(true);
    if (this.opts.idleTimeoutMs !== undefined && this.opts.idleTimeoutMs > 0) {
      socket.setTimeout(this.opts.idleTimeoutMs, () => {
        if (conn.running !== undefined) return; // busy on our side, not idle
        this.report('IDLE_TIMEOUT', 'idle connection closed', meta);
        socket.destroy();
      });
    }
    socket.on('data', (chunk: Buffer) => this.onData(conn, chunk));
    socket.on('error', (err) => this.report('SOCKET', `socket error: ${err.message}`, meta, err));
    socket.on('close', () => {
      conn.queue.length = 0; // nobody is left to answer
      this.conns.delete(conn);
    });
  }

  private onData(conn: Conn, chunk: Buffer): void {
    const { meta } = conn;
    for (const ev of conn.framer.push(chunk)) {
      if (ev.type === 'frame') {
        conn.garbage = 0;
        conn.queue.push({ frame: ev.frame });
      } else if (ev.type === 'garbage') {
        this.report('GARBAGE', `${ev.bytes} byte(s) skipped (${ev.reason})`, meta);
        conn.garbage += ev.bytes;
        if (conn.garbage > MAX_GARBAGE_BYTES) {
          // Not an MLLP peer (raw HL7 without framing, HTTP, a scanner…): it will never get an answer, so say so once.
          this.report('GARBAGE', 'closing a connection that sends no MLLP frames', meta);
          conn.socket.destroy();
          return;
        }
      } else {
        this.report('FRAME_TOO_LARGE', `frame of ${ev.bytes} bytes exceeds the limit`, meta);
        // Still answer, from the kept head: the sender learns why instead of timing out.
        const why = `message exceeds the maximum frame size of ${this.maxFrameBytes} bytes`;
        conn.queue.push({ frame: ev.head, nak: this.nak(ev.head, why) });
      }
    }
    if (conn.queue.length >= this.maxQueuedFrames) conn.socket.pause();
    if (conn.queue.length > 0 && conn.running === undefined) {
      conn.running = this.drain(conn).finally(() => {
        conn.running = undefined;
      });
    }
  }

  private async drain(conn: Conn): Promise<void> {
    const { socket, meta } = conn;
    while (conn.queue.length > 0 && !this.closing && !socket.destroyed) {
      const item = conn.queue.shift() as { frame: Buffer; nak?: Buffer };
      const reply = item.nak ?? (await this.answer(item.frame, meta));
      if (reply === null) {
        conn.queue.length = 0;
        socket.destroy();
        return;
      }
      if (socket.destroyed || !socket.writable) {
        this.report('ACK_NOT_DELIVERED', 'peer closed the connection before the ACK was written', meta);
        return;
      }
      // Waiting for the write to be flushed lets close() destroy the socket without losing this ACK.
      await new Promise<void>((resolve) => socket.write(encodeFrame(reply), () => resolve()));
      if (socket.isPaused() && conn.queue.length < this.maxQueuedFrames / 2 && !this.closing) socket.resume();
    }
  }

  /** Never rejects: handler, then onHandlerError, then a NAK; null = close the connection unanswered. */
  private async answer(frame: Buffer, meta: MllpFrameMeta): Promise<Buffer | null> {
    try {
      const reply = await this.opts.handler(frame, meta);
      if (!Buffer.isBuffer(reply)) throw new TypeError('handler did not return a Buffer');
      return reply;
    } catch (err) {
      if (err instanceof MllpCloseConnection) {
        this.report('CLOSED_UNANSWERED', `connection closed without an answer: ${err.why}`, meta);
        return null;
      }
      this.report('HANDLER_FAILED', `handler failed: ${errorName(err)}`, meta, err);
      if (this.opts.onHandlerError !== undefined) {
        try {
          const reply = await this.opts.onHandlerError(frame, err, meta);
          if (Buffer.isBuffer(reply)) return reply;
        } catch (err2) {
          this.report('ON_HANDLER_ERROR_FAILED', `onHandlerError failed: ${errorName(err2)}`, meta, err2);
        }
      }
      return this.nak(frame, 'application internal error while processing the message; resend later');
    }
  }

  private nak(frame: Buffer, reason: string): Buffer {
    let controlId = 'NAK';
    try {
      controlId = this.nextControlId();
    } catch {
      /* keep the fallback id: answering matters more than a unique id here */
    }
    const { sendingApp, sendingFacility } = this.opts;
    return buildNakFromRaw(frame, reason, controlId, { sendingApp, sendingFacility });
  }

  private report(code: MllpErrorCode, message: string, where?: Partial<MllpFrameMeta>, cause?: unknown): void {
    try {
      this.opts.onError?.(new MllpError(code, message, where, cause));
    } catch {
      /* a failing reporter must not take the listener down */
    }
  }
}

/** Error class name only: handler error messages may quote message content. */
function errorName(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}
