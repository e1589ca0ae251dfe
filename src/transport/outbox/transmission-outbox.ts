/**
 * The transmission outbox: a billing lot becomes a signed + encrypted spool file and a `transmission` row, then a
 * BullMQ job (`transmission-send`, jobId = transmission id) hands it to its channel, as many times as needed and
 * never silently twice.
 *
 * - prepare(): certificates checked first (nothing written for a refused certificate), spool file written and
 *   self-checked, row inserted (idempotent on `${flow}-${lotRef}-${recipientId}`), job enqueued. A lost job (crash
 *   between the insert and the enqueue, queue outage) is recovered by requeuePending(), run periodically.
 * - sendJob(): an attempt row is committed BEFORE the channel is called. An earlier attempt still open means a
 *   process died mid-send: the lot may already be at the receiver, so the transmission is flagged
 *   `possible_duplicate` and sent again under the same idempotency key (SFTP/file drop detect the repeat and answer
 *   alreadyDelivered; SMTP receivers drop it by X-Passerelle-Idempotency-Key). No loss, no unannounced repeat.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UnrecoverableError } from 'bullmq';
import { type JobProcessor, type QueueBackend, queueOf } from '../../queue/queue-backend';
import { ChannelError, type ChannelName, type SendReceipt, type TransmissionChannel } from '../channels/transmission-channel';
import { LotSealer, type LotSealerOptions } from './lot-sealer';
import { OutboxError } from './outbox-error';
import { discardSpoolFile, digestFile } from './spool-file';
import { idempotencyKeyOf, isSafeToken, safeToken } from './transmission-naming';
import { type Transmission, type TransmissionState, type TransmissionStorePort } from './transmission.store';
import type { QueueDefinition } from '../../queue/queue-definition';
import { type TransmissionSendJob, transmissionSendQueue } from '../transport.queues';

export const LOT_CONTENT_TYPE = 'application/pkcs7-mime; smime-type=enveloped-data';

/** One lot for one recipient. Exactly one of lotPath / content. */
export interface PrepareTransmissionInput {
  flow: string;
  lotRef: string;
  recipientId: string;
  channel: ChannelName;
  /** SMTP: the insurer's mailbox; SFTP / file drop: sub-directory under the channel's base ('' = base). */
  recipient: string;
  /** Physical file name at the receiver (a safe token: letters, digits, `.`, `_`, `-`). */
  fileName: string;
  lotPath?: string;
  content?: Buffer;
  /** The authenticated client handing the lot over: it alone (with operators) reads the transmission's Task. */
  requestedBy?: string;
}

/** What the outbox reports (for logs and metrics); never lot content. */
export interface OutboxEvent {
  type: 'prepared' | 'enqueue-failed' | 'certificate-warning' | 'possible-duplicate' | 'sent' | 'already-delivered' | 'retry' | 'failed';
  transmissionId: string;
  flow: string;
  lotRef: string;
  detail?: string;
}

export interface TransmissionOutboxOptions extends LotSealerOptions {
  /** `new TransmissionStore(sql)` in production. */
  store: TransmissionStorePort;
  queue: QueueBackend;
  channels: Partial<Record<ChannelName, TransmissionChannel>>;
  /** Directory of the spool files (`<id>.p7m`); must exist, on local storage, kept until the lots are acknowledged. */
  spoolDir: string;
  /** BullMQ attempts per send job (default 8) and first backoff delay, doubled each time (default 30 s). */
  jobAttempts?: number;
  jobBackoffMs?: number;
  now?: () => Date;
  onEvent?: (event: OutboxEvent) => void;
  /** Crash tests only: runs after the channel returned and before the outcome is recorded. */
  testHooks?: { afterChannelSend?: (t: Transmission, receipt: SendReceipt) => void | Promise<void> };
}

export interface PreparedTransmission {
  transmission: Transmission;
  /** false: an earlier prepare of the same (flow, lot, recipient) is returned; no new file was made. */
  created: boolean;
}

export interface SendJobResult {
  outcome: 'sent' | 'already-delivered' | 'skipped';
  transmission: Transmission;
}

export class TransmissionOutbox {
  private readonly store: TransmissionStorePort;
  private readonly sealer: LotSealer;
  private readonly now: () => Date;
  private readonly sendQueueDef: QueueDefinition<TransmissionSendJob>;

  constructor(private readonly opts: TransmissionOutboxOptions) {
    this.store = opts.store;
    this.sealer = new LotSealer(opts);
    this.now = opts.now ?? (() => new Date());
    this.sendQueueDef = transmissionSendQueue(opts.jobAttempts, opts.jobBackoffMs);
  }

  /** Seals and records a lot for one recipient, then enqueues its sending. Idempotent per (flow, lotRef, recipientId). */
  async prepare(input: PrepareTransmissionInput): Promise<PreparedTransmission> {
    const lot = this.validate(input);
    const idempotencyKey = idempotencyKeyOf(input.flow, input.lotRef, input.recipientId);
    const existing = await this.store.byKey(idempotencyKey);
    if (existing) return this.reuse(existing, input);

    const now = this.now();
    const recipient = this.sealer.check(input.recipientId, now); // throws before anything is written
    const id = randomUUID();
    const spoolPath = join(this.opts.spoolDir, `${id}.p7m`);
    let inserted: Transmission | undefined;
    try {
      const digest = await this.sealer.sealToSpool(lot, spoolPath, recipient, now);
      inserted = await this.store.insert({
        id,
        flow: input.flow,
        lotRef: input.lotRef,
        recipientId: input.recipientId,
        channel: input.channel,
        recipient: input.recipient,
        fileName: input.fileName,
        idempotencyKey,
        spoolPath,
        requestedBy: input.requestedBy,
        ...digest,
      });
    } catch (err) {
      await discardSpoolFile(spoolPath);
      throw err;
    }
    if (!inserted) {
      // A concurrent prepare of the same lot won the insert: ours is an unreferenced copy.
      await discardSpoolFile(spoolPath);
      return this.reuse((await this.store.byKey(idempotencyKey)) as Transmission, input);
    }
    const warnings = [
      ...recipient.sealCheck.warnings.map((w) => `seal ${w}`),
      ...recipient.recipientCheck.warnings.map((w) => `recipient ${w}`),
    ];
    if (warnings.length > 0) this.emit('certificate-warning', inserted, warnings.join('; '));
    this.emit('prepared', inserted);
    await this.enqueue(inserted);
    return { transmission: inserted, created: true };
  }

  /**
   * A lot that arrives as a stream (an HTTP upload): written to a private file beside the spool, sealed from that
   * file in one streaming pass (sign-encrypt-pipeline.ts), then removed. No copy of the lot is ever held in memory;
   * the stream's own bound (the route's limit) stops an oversized upload. Routing and certificates are checked first,
   * so a refused lot is not even written.
   */
  async prepareUpload(
    input: Omit<PrepareTransmissionInput, 'lotPath' | 'content'>,
    body: AsyncIterable<Uint8Array>,
  ): Promise<PreparedTransmission> {
    const uploadPath = join(this.opts.spoolDir, `${randomUUID()}.upload`);
    this.validate({ ...input, lotPath: uploadPath });
    if (!(await this.store.byKey(idempotencyKeyOf(input.flow, input.lotRef, input.recipientId))))
      this.sealer.check(input.recipientId, this.now());
    try {
      await pipeline(Readable.from(body), createWriteStream(uploadPath, { flags: 'wx', mode: 0o600 }));
      if ((await stat(uploadPath)).size === 0) throw new OutboxError('INVALID_INPUT', 'the lot is empty');
      return await this.prepare({ ...input, lotPath: uploadPath });
    } finally {
      await rm(uploadPath, { force: true });
    }
  }

  /** The BullMQ processor of TRANSMISSION_SEND_QUEUE. */
  processor(): JobProcessor<TransmissionSendJob, string> {
    return async (job) => {
      const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      return (await this.sendJob(job.data.transmissionId, { finalAttempt })).outcome;
    };
  }

  /**
   * One send attempt. Throws the ChannelError of a transient failure (BullMQ retries with backoff), or an
   * UnrecoverableError once the transmission is 'failed' (permanent error, or transient on the final attempt).
   */
  async sendJob(transmissionId: string, options: { finalAttempt?: boolean } = {}): Promise<SendJobResult> {
    const t = await this.store.get(transmissionId);
    if (!t) throw new UnrecoverableError(`transmission ${transmissionId} does not exist`);
    if (t.state !== 'queued' && t.state !== 'sending') return { outcome: 'skipped', transmission: t };
    const channel = this.opts.channels[t.channel];
    if (!channel) {
      await this.store.fail(t.id, `channel ${t.channel} is not configured`);
      this.emit('failed', t, `channel ${t.channel} is not configured`);
      throw new UnrecoverableError(`channel ${t.channel} is not configured`);
    }
    const attemptId = randomUUID();
    const start = await this.store.beginAttempt(t.id, attemptId);
    if (!start) return { outcome: 'skipped', transmission: (await this.store.get(t.id)) ?? t };
    if (start.interrupted > 0) this.emit('possible-duplicate', t, `${start.interrupted} earlier attempt(s) ended without an outcome`);

    let receipt: SendReceipt;
    try {
      await this.checkSpool(t);
      receipt = await channel.send({
        lotId: safeToken(t.lotRef),
        attemptId,
        idempotencyKey: t.idempotencyKey,
        fileName: t.fileName,
        content: { path: t.spoolPath },
        contentType: LOT_CONTENT_TYPE,
        recipient: t.recipient,
      });
    } catch (err) {
      return this.attemptFailed(t, attemptId, err, options.finalAttempt ?? false);
    }
    await this.opts.testHooks?.afterChannelSend?.(t, receipt);
    const sent = (await this.store.attemptSucceeded(t.id, attemptId, receipt.alreadyDelivered, receipt.remoteId)) ?? t;
    const outcome = receipt.alreadyDelivered ? 'already-delivered' : 'sent';
    this.emit(outcome, sent, receipt.remoteId);
    return { outcome, transmission: sent };
  }

  async get(id: string): Promise<Transmission | undefined> {
    return this.store.get(id);
  }

  /** Transmissions per state, for metrics. */
  async counts(): Promise<Record<TransmissionState, number>> {
    return this.store.counts();
  }

  /** Re-enqueues every queued/sending transmission (jobs are idempotent by id). Run it at start and periodically. */
  async requeuePending(limit = 1000): Promise<number> {
    const ids = await this.store.pendingIds(limit);
    if (ids.length > 0)
      await this.sendQueue().addBulk(ids.map((id) => ({ name: 'send', data: { transmissionId: id }, opts: { jobId: id } })));
    return ids.length;
  }

  /** An operator's new try of a 'failed' transmission; false when it was not failed. */
  async retry(id: string): Promise<boolean> {
    const t = await this.store.get(id);
    if (!t || !(await this.store.requeueFailed(id))) return false;
    await this.enqueue(t);
    return true;
  }

  /** For the billing flows: a positive acknowledgement (ARL) of this transmission was received. */
  async acknowledge(id: string): Promise<Transmission | undefined> {
    return this.store.acknowledge(id);
  }

  private validate(input: PrepareTransmissionInput): { lotPath: string } | { content: Buffer } {
    for (const field of ['flow', 'lotRef', 'recipientId'] as const) {
      if (typeof input[field] !== 'string' || input[field].trim() === '') throw new OutboxError('INVALID_INPUT', `${field} is required`);
    }
    if (!isSafeToken(input.fileName ?? '')) throw new OutboxError('INVALID_INPUT', 'fileName must be letters, digits, ".", "_" or "-"');
    if (!this.opts.channels[input.channel]) throw new OutboxError('CHANNEL_NOT_CONFIGURED', `channel "${input.channel}" is not configured`);
    if (typeof input.recipient !== 'string') throw new OutboxError('INVALID_INPUT', 'recipient is required');
    if ((input.lotPath === undefined) === (input.content === undefined)) {
      throw new OutboxError('INVALID_INPUT', 'exactly one of lotPath and content is required');
    }
    return input.lotPath !== undefined ? { lotPath: input.lotPath } : { content: input.content as Buffer };
  }

  private async reuse(t: Transmission, input: PrepareTransmissionInput): Promise<PreparedTransmission> {
    if (t.flow !== input.flow || t.lotRef !== input.lotRef || t.recipientId !== input.recipientId) {
      throw new OutboxError('KEY_CONFLICT', `idempotency key ${t.idempotencyKey} belongs to another lot`);
    }
    // Heals a job lost between an earlier insert and its enqueue; a no-op when the job exists.
    if (t.state === 'queued') await this.enqueue(t);
    return { transmission: t, created: false };
  }

  /** The channel must send exactly the recorded file: a truncated or altered spool is never sent. */
  private async checkSpool(t: Transmission): Promise<void> {
    const digest = await digestFile(t.spoolPath).catch(() => undefined);
    if (!digest) throw new OutboxError('SPOOL_CORRUPT', `spool file of transmission ${t.id} is missing or unreadable`);
    if (digest.bytes !== t.bytes || digest.sha256 !== t.sha256) {
      throw new OutboxError('SPOOL_CORRUPT', `spool file of transmission ${t.id} differs from the recorded size/SHA-256`);
    }
  }

  private async attemptFailed(t: Transmission, attemptId: string, err: unknown, finalAttempt: boolean): Promise<never> {
    const channelError = err instanceof ChannelError ? err : undefined;
    const retryable = err instanceof OutboxError ? false : (channelError?.transient ?? true);
    const uncertain = channelError?.deliveryUncertain ?? false;
    const error = channelError
      ? `${channelError.code}: ${channelError.message}${uncertain ? ' (delivery uncertain)' : ''}`
      : describeError(err);
    const next = retryable && !finalAttempt ? 'queued' : 'failed';
    await this.store.attemptFailed(t.id, attemptId, error, next, uncertain);
    this.emit(next === 'queued' ? 'retry' : 'failed', t, error);
    if (next === 'failed') throw new UnrecoverableError(error);
    throw err;
  }

  private sendQueue() {
    return queueOf(this.opts.queue, this.sendQueueDef);
  }

  /** The row is committed already: a queue outage is reported, not thrown — requeuePending() catches up. */
  private async enqueue(t: Transmission): Promise<void> {
    try {
      await this.sendQueue().add('send', { transmissionId: t.id }, { jobId: t.id });
    } catch (err) {
      this.emit('enqueue-failed', t, err instanceof Error ? err.message : String(err));
    }
  }

  private emit(type: OutboxEvent['type'], t: Transmission, detail?: string): void {
    try {
      this.opts.onEvent?.({ type, transmissionId: t.id, flow: t.flow, lotRef: t.lotRef, detail });
    } catch {
      // A failing listener must not change the outcome of a send.
    }
  }
}

/** The reason recorded with a failed attempt: codes and messages, never lot content. */
function describeError(err: unknown): string {
  if (err instanceof OutboxError) return `${err.code}: ${err.message}`;
  return `unexpected: ${err instanceof Error ? err.message : String(err)}`;
}
