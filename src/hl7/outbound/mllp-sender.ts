/**
 * Outbound MLLP sender: pushes our messages (rights-change ADT^A08…) to the hospital's GAP.
 *
 * HL7 v2 original mode, as a GAP expects it: one persistent connection (MllpClient), one message in flight at a time —
 * the next one leaves only after the ACK of the previous one, so a slow receiver is never flooded — and the ACK is
 * matched to the message by MSA-2 = MSH-10 (MllpClient drops the connection on a mismatch).
 *
 * - AA/CA: delivered. AE/AR (CE/CR, or any other code): refused — final here, returned with the receiver's reason
 *   (MSA-3, ERR-3/ERR-8) for the caller to keep with the message; resending the same bytes would get the same answer.
 * - No ACK within `timeoutMs`, connection lost or refused, unreadable ACK: the message is sent again, up to `retries`
 *   times, on a new connection. Receivers deduplicate on MSH-10 (ours does), so a resend after a lost ACK is safe.
 *   After `retries` the send rejects with MllpSenderError('UNDELIVERED'): the caller's outbox keeps the message.
 * - Between failures the sender waits an exponential backoff (backoffMs, doubled per consecutive failure, capped at
 *   maxBackoffMs) — also before the next message while the GAP stays unreachable — and resets it on the next ACK.
 *
 * The caller (an outbox) sends messages one by one; concurrent send() calls are queued and run in call order anyway.
 * Errors carry codes and counts, never message content.
 */
import type * as tls from 'node:tls';
import { type Hl7Message, parseHl7 } from '../hl7-message';
import { MllpClient, MllpClientError } from '../mllp/mllp-client';

export interface MllpSenderOptions {
  host: string;
  port: number;
  /** TLS connection options (ca, cert, key, servername…); plain TCP when absent. */
  tls?: tls.ConnectionOptions;
  /** ACK deadline per transmission (default 30 s). */
  timeoutMs?: number;
  connectTimeoutMs?: number;
  /** Resends of one message after a failed transmission (default 3): at most retries + 1 transmissions. */
  retries?: number;
  /** First wait after a failure (default 500 ms); doubles per consecutive failure. */
  backoffMs?: number;
  /** Cap of the wait (default 30 s). */
  maxBackoffMs?: number;
  maxFrameBytes?: number;
}

export interface MllpSendResult {
  outcome: 'delivered' | 'refused';
  /** MSA-1 as received (AA, AE, AR, CA, CE, CR…). */
  ackCode: string;
  /** Refusals: the receiver's reason (MSA-3 and ERR segments), at most 1,000 characters. */
  detail?: string;
  /** Refusals: ERR-3.1 of the first ERR (HL7 table 0357 code, e.g. 207 "application internal error"). */
  errorCode?: string;
  /** Transmissions it took (1 = first try). */
  attempts: number;
}

export type MllpSenderErrorCode = 'UNDELIVERED' | 'CLOSED';

export class MllpSenderError extends Error {
  constructor(
    readonly code: MllpSenderErrorCode,
    message: string,
    /** Transmissions tried for this message. */
    readonly attempts: number,
    /** Why the last one failed (MllpClient code: TIMEOUT, CLOSED, CONNECT, ACK_MISMATCH, or BAD_ACK). */
    readonly lastFailure?: string,
  ) {
    super(message);
    this.name = 'MllpSenderError';
  }
}

const DELIVERED = new Set(['AA', 'CA']);
const MAX_DETAIL = 1000;

/** An ACK we could not read: we cannot know what the receiver meant, so the message is sent again. */
class UnreadableAck extends Error {}

export class MllpSender {
  private readonly client: MllpClient;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private tail: Promise<unknown> = Promise.resolve();
  /** Consecutive failed transmissions, across messages: drives the backoff. */
  private failures = 0;
  private closed = false;
  private wake: (() => void) | undefined;

  constructor(opts: MllpSenderOptions) {
    this.retries = opts.retries ?? 3;
    this.backoffMs = opts.backoffMs ?? 500;
    this.maxBackoffMs = opts.maxBackoffMs ?? 30_000;
    if (!(Number.isInteger(this.retries) && this.retries >= 0)) throw new Error('MllpSender: retries must be an integer ≥ 0');
    if (!(this.backoffMs >= 0 && this.maxBackoffMs >= this.backoffMs)) throw new Error('MllpSender: need 0 ≤ backoffMs ≤ maxBackoffMs');
    this.client = new MllpClient({
      host: opts.host,
      port: opts.port,
      tls: opts.tls,
      timeoutMs: opts.timeoutMs ?? 30_000,
      connectTimeoutMs: opts.connectTimeoutMs,
      maxFrameBytes: opts.maxFrameBytes,
      matchControlId: true,
    });
  }

  /** Sends one message (bytes as they must go on the wire) and resolves when the receiver has acknowledged it. */
  send(message: Buffer): Promise<MllpSendResult> {
    const run = (): Promise<MllpSendResult> => this.deliver(message);
    const p = this.tail.then(run, run);
    this.tail = p.catch(() => undefined);
    return p;
  }

  /** Refuses new and queued messages, lets the one in flight finish (ACK or timeout), then closes the connection. */
  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    await this.tail;
    await this.client.close();
  }

  private async deliver(message: Buffer): Promise<MllpSendResult> {
    let lastFailure: string | undefined;
    const attempts = this.retries + 1;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (this.failures > 0) await this.sleep(Math.min(this.maxBackoffMs, this.backoffMs * 2 ** (this.failures - 1)));
      if (this.closed) throw new MllpSenderError('CLOSED', 'sender closed before the message was acknowledged', attempt - 1, lastFailure);
      try {
        const result = readAck(await this.client.send(message), attempt);
        this.failures = 0;
        return result;
      } catch (err) {
        this.failures++;
        if (err instanceof MllpClientError) lastFailure = err.code;
        else lastFailure = err instanceof UnreadableAck ? 'BAD_ACK' : 'UNKNOWN';
      }
    }
    throw new MllpSenderError(
      'UNDELIVERED',
      `no usable ACK after ${attempts} transmission(s), last failure ${lastFailure}`,
      attempts,
      lastFailure,
    );
  }

  /** Waits `ms`, or less if close() is called meanwhile. */
  private sleep(ms: number): Promise<void> {
    if (this.closed || ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}

/** MSA-1 → outcome; for refusals, the receiver's own words (MSA-3, then each ERR: code, text, location). */
function readAck(ack: Buffer, attempts: number): MllpSendResult {
  let msg: Hl7Message;
  try {
    msg = parseHl7(ack);
  } catch {
    throw new UnreadableAck();
  }
  const ackCode = msg.field('MSA-1');
  if (ackCode === '') throw new UnreadableAck();
  if (DELIVERED.has(ackCode)) return { outcome: 'delivered', ackCode, attempts };
  const parts: string[] = [];
  const msa3 = msg.field('MSA-3');
  if (msa3 !== '') parts.push(msa3);
  const errs = msg.segmentsNamed('ERR').length;
  for (let i = 1; i <= errs; i++) {
    const code = msg.get('ERR', i, 3, 1, 1);
    const label = msg.get('ERR', i, 3, 1, 2);
    const text = msg.get('ERR', i, 8);
    const where = [msg.get('ERR', i, 2, 1, 1), msg.get('ERR', i, 2, 1, 3)].filter((v) => v !== '').join('-');
    const line = [code, label].filter((v) => v !== '').join(' ') + (text ? `: ${text}` : '') + (where ? ` (${where})` : '');
    if (line.trim() !== '') parts.push(line);
  }
  const errorCode = msg.get('ERR', 1, 3, 1, 1);
  const result: MllpSendResult = { outcome: 'refused', ackCode, attempts };
  if (parts.length > 0) result.detail = parts.join('; ').slice(0, MAX_DETAIL);
  if (errorCode !== '') result.errorCode = errorCode;
  return result;
}
