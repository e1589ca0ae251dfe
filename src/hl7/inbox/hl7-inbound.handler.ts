import { newCorrelationId, withCorrelation } from '../../observability/correlation';
import { type AppLogger } from '../../observability/logger';
import { type Metrics } from '../../observability/metrics';
import { isTransientStorageError } from '../../persistence/storage-errors';
import { type Hl7SenderRule } from '../../config/hl7-senders-config';
import { ControlIdGenerator } from '../control-id';
import { type AckCode, buildAck, buildNakFromRaw, type Hl7Issue } from '../hl7-ack';
import { hl7ContentHash, rawContentHash } from '../hl7-content-hash';
import { hl7EventLabel } from '../hl7-labels';
import { type Hl7Message, Hl7ParseError, parseHl7 } from '../hl7-message';
import { MllpCloseConnection, type MllpFrameMeta } from '../mllp/mllp-server';
import { extractAdtFacts, validatePamFr } from '../pam-fr-validation';
import { type Hl7IdConflictStorePort } from './hl7-id-conflict.store';
import { type Hl7ParkedMessageStorePort } from './hl7-parked-message.store';
import { type Hl7SenderPolicy } from './hl7-sender-policy';
import { type StoredAdtFacts } from './hl7-subscription';
import { type InboxRecord } from './inbox-message.store';
import { type InboxWriter } from './inbox-writer';

export interface Hl7InboundOptions {
  defaultCharset: string;
  receivingApplication: string;
  receivingFacility: string;
  /** A message whose handling fails this many times (not a storage outage) is parked. */
  poisonMaxAttempts: number;
  faultInjection?: 'crash-before-store' | 'crash-after-store' | 'throw-on-poison-control-id';
}

export interface Hl7InboundParts {
  writer: InboxWriter;
  conflicts: Hl7IdConflictStorePort;
  parked: Hl7ParkedMessageStorePort;
  senders: Hl7SenderPolicy;
  /** Does some flow follow this message up? (see Hl7Subscription.wants) */
  wanted: (facts: StoredAdtFacts) => boolean;
  /** What the flows cannot do without (Hl7Subscription.requirements), checked whatever the strictness. */
  requirements: (facts: StoredAdtFacts) => Hl7Issue[];
  /** Called after an accepted message with follow-up work is stored (wakes the dispatcher in this process). */
  onFollowUp: () => void;
}

/** Where a frame comes from: an MLLP connection, or an operator's replay of a parked message. */
const REPLAY = 'replay';
type FrameSource = MllpFrameMeta | typeof REPLAY;

/** What one frame is, once read: kept for the failure paths (storage outage, poison message). */
interface Reading {
  msg?: Hl7Message;
  contentHash: string;
  rule?: Hl7SenderRule;
}

/** The storage failed in a way worth retrying (database unreachable): never answered AR. */
class StorageUnavailable extends Error {
  constructor(readonly cause: unknown) {
    super('storage unavailable');
    this.name = 'StorageUnavailable';
  }
}

/**
 * The HL7 edge's one use case: identify the sender, parse, validate, store, and only then acknowledge.
 * The ACK is built before storing so that it is stored with the message: a true repeat of the same
 * (MSH-3, MSH-4, MSH-10) — same content hash — is answered with the very same bytes, without reprocessing; the same key
 * with other content is a conflict (AR naming MSH-10, kept in hl7_id_conflict, counted, raised in /health).
 *
 * Failures: a storage outage is never answered AR (many senders drop a message on AR): the connection is closed
 * unanswered so that the sender resends (or AE, per sender). Any other failure counts an attempt for this message's
 * hash; after `poisonMaxAttempts` the message is parked (kept raw for an operator) and answered AR so it stops looping.
 */
export class Hl7InboundHandler {
  private readonly ids = new ControlIdGenerator();

  constructor(
    private readonly parts: Hl7InboundParts,
    private readonly metrics: Metrics,
    private readonly log: AppLogger,
    private readonly opts: Hl7InboundOptions,
  ) {}

  handle(frame: Buffer, meta: MllpFrameMeta): Promise<Buffer> {
    return this.run(frame, meta);
  }

  /**
   * An operator's replay of a parked message (POST /hl7/parked/:hash/replay): the very path of a frame from MLLP —
   * parsed, validated, stored once (a repeat of a stored (MSH-3, MSH-4, MSH-10) with the same content gets its
   * original ACK), followed up — except that the sender is identified by MSH-3/MSH-4 alone: the bytes come from our
   * own table, and came from an allowed connection when they were first received. A storage outage throws
   * MllpCloseConnection, as on MLLP: the replay did not happen and may be tried again.
   */
  replay(frame: Buffer): Promise<Buffer> {
    return this.run(frame, REPLAY);
  }

  private run(frame: Buffer, meta: FrameSource): Promise<Buffer> {
    const correlationId = newCorrelationId();
    return withCorrelation(correlationId, async () => {
      const reading: Reading = { contentHash: rawContentHash(frame) };
      try {
        return await this.process(frame, meta, correlationId, reading);
      } catch (err) {
        if (err instanceof MllpCloseConnection) throw err;
        return this.failed(frame, err, reading);
      }
    });
  }

  /** Last resort when the handler itself could not answer (MllpServer's onHandlerError): AE, resend later. */
  storageFailure(frame: Buffer, err: unknown): Buffer {
    this.log.error({ err: errorName(err) }, 'HL7 message NOT stored; answered AE so that the sender resends');
    this.metrics.hl7Messages.inc({ event: 'unknown', ack: 'AE' });
    const text = 'Message not stored (temporary failure on our side); please resend';
    return buildNakFromRaw(frame, { segment: 'MSH', code: 207, severity: 'E', text }, this.ids.next(), { ...this.ours(), code: 'AE' });
  }

  private async process(frame: Buffer, meta: FrameSource, correlationId: string, reading: Reading): Promise<Buffer> {
    const stopTimer = this.metrics.hl7AckLatency.startTimer();
    const { senders } = this.parts;
    if (meta !== REPLAY && !senders.knownSource(meta)) return this.refuseSender(frame, undefined, 'source', meta);
    let msg: Hl7Message;
    try {
      msg = parseHl7(frame, { defaultCharset: this.opts.defaultCharset });
    } catch (err) {
      if (!(err instanceof Hl7ParseError)) throw err;
      const nak = buildNakFromRaw(frame, err, this.ids.next(), this.ours());
      await this.store(this.record(frame, undefined, 'AR', nak, correlationId, null, null));
      this.log.warn({ segment: err.segment, field: err.field, reason: err.reason }, 'HL7 frame not parseable: answered AR');
      this.metrics.hl7Messages.inc({ event: 'unparseable', ack: 'AR' });
      stopTimer();
      return nak;
    }
    reading.msg = msg;
    reading.contentHash = hl7ContentHash(msg);
    const decision =
      meta === REPLAY
        ? senders.identifyByName(msg.get('MSH', 1, 3), msg.get('MSH', 1, 4))
        : senders.identify(msg.get('MSH', 1, 3), msg.get('MSH', 1, 4), meta);
    if (!decision.ok) return this.refuseSender(frame, msg, decision.reason, meta);
    reading.rule = decision.rule;
    this.injectFault('throw-on-poison-control-id', msg);

    const validation = validatePamFr(msg, { strictness: decision.rule.mode });
    const event = hl7EventLabel(validation.event);
    let ackCode: AckCode = validation.ackCode;
    const issues: Hl7Issue[] = [...validation.issues];
    let facts: StoredAdtFacts | null = null;
    if (ackCode === 'AA') {
      facts = this.facts(msg, validation.event);
      const needs = this.parts.requirements(facts);
      issues.push(...needs);
      if (needs.some((i) => i.severity === 'E')) {
        ackCode = 'AE';
        facts = null;
      }
    }
    const ack = buildAck(msg, { code: ackCode, errors: issues, controlId: this.ids.next(), ...this.ours() });
    this.injectFault('crash-before-store', msg);
    const result = await this.store(this.record(frame, msg, ackCode, ack, correlationId, facts, reading.contentHash));
    this.injectFault('crash-after-store', msg);
    stopTimer();
    if (!result.stored) {
      if (result.contentHash !== null && result.contentHash !== reading.contentHash) {
        return this.conflict(frame, msg, result.duplicateOf, reading.contentHash, correlationId, event);
      }
      this.metrics.hl7Duplicates.inc();
      this.log.info({ event, duplicateOf: result.duplicateOf }, 'HL7 repeat of a stored message: original ACK sent again');
      return result.ack;
    }
    this.metrics.hl7Messages.inc({ event, ack: ackCode });
    if (ackCode !== 'AA') {
      this.log.warn(
        { event, ack: ackCode, issues: issues.map((i) => `${i.segment}-${i.field ?? ''} ${i.code}: ${i.text}`) },
        'HL7 message refused',
      );
    } else if (facts && this.parts.wanted(facts)) {
      // The follow-up runs off the ACK path, in batches (AdtDispatcher); dispatched_at stays NULL until it is done.
      this.parts.onFollowUp();
    }
    return ack;
  }

  private facts(msg: Hl7Message, event: string): StoredAdtFacts {
    const adt = extractAdtFacts(msg);
    return {
      event,
      nir: adt.nir,
      nirField: adt.patientNir ? 'PID-3' : 'IN1-49',
      birthDate: adt.birthDate,
      dateOfCare: (event === 'A05' ? adt.plannedDate : undefined) ?? adt.admitDate,
      finess: adt.siteFiness ?? adt.finess,
      sendingApplication: adt.sendingApp,
      visitNumber: adt.visitNumber,
      ipp: adt.patientIds.find((p) => p.typeCode === 'PI')?.id,
      familyName: msg.get('PID', 1, 5, 1, 1) || undefined,
      givenName: msg.get('PID', 1, 5, 1, 2) || undefined,
    };
  }

  /** Unknown sender: AR naming MSH-3/MSH-4, not stored (it may not even be HL7 from a GAP), counted and logged. */
  private refuseSender(frame: Buffer, msg: Hl7Message | undefined, reason: 'unknown' | 'source', meta: FrameSource): Buffer {
    this.metrics.hl7SendersRefused.inc({ reason });
    this.log.warn(
      meta === REPLAY
        ? { reason, replay: true }
        : { reason, remoteAddress: meta.remoteAddress, socketId: meta.socketId, tlsClient: meta.peerFingerprint256 !== undefined },
      'HL7 message from an unknown sender refused (AR, not stored)',
    );
    const text =
      reason === 'unknown'
        ? 'MSH-3/MSH-4 (sending application/facility) is not a known sender of this gateway'
        : 'MSH-3/MSH-4 (sending application/facility) is not allowed from this connection (address or client certificate)';
    const issue: Hl7Issue = { segment: 'MSH', sequence: 1, field: reason === 'unknown' ? 3 : 4, code: 207, severity: 'E', text };
    return msg
      ? buildAck(msg, { code: 'AR', errors: [issue], controlId: this.ids.next(), ...this.ours() })
      : buildNakFromRaw(frame, issue, this.ids.next(), this.ours());
  }

  /** Same key, other content: AR naming MSH-10, kept for audit, counted, raised in /health. Never dropped silently. */
  private async conflict(
    frame: Buffer,
    msg: Hl7Message,
    originalId: string,
    contentHash: string,
    correlationId: string,
    event: string,
  ): Promise<Buffer> {
    const text = 'MSH-10 (message control id) was already used by this sender for a different message; send it with a new MSH-10';
    const issue: Hl7Issue = { segment: 'MSH', sequence: 1, field: 10, code: 205, severity: 'E', text };
    const ack = buildAck(msg, { code: 'AR', errors: [issue], controlId: this.ids.next(), ...this.ours() });
    await this.guard(() =>
      this.parts.conflicts.insert({
        sendingApplication: msg.raw('MSH', 1, 3) || null,
        sendingFacility: msg.raw('MSH', 1, 4) || null,
        controlId: msg.get('MSH', 1, 10),
        originalId,
        contentHash,
        raw: frame,
        charset: msg.charset || this.opts.defaultCharset,
        ack,
        correlationId,
        nir: nirOf(msg),
      }),
    );
    this.metrics.hl7IdConflicts.inc();
    this.metrics.hl7Messages.inc({ event, ack: 'AR' });
    this.log.warn({ event, originalId }, 'HL7 MSH-10 reused with different content: refused AR and kept in hl7_id_conflict');
    return ack;
  }

  /** Storage failures: a transient one closes the connection (or AE, per sender); anything else counts as poison. */
  private async failed(frame: Buffer, err: unknown, reading: Reading): Promise<Buffer> {
    if (err instanceof StorageUnavailable) return this.unavailable(frame, reading);
    let outcome: { attempts: number; parked: boolean };
    try {
      const msg = reading.msg;
      outcome = await this.parts.parked.recordFailure(
        {
          contentHash: reading.contentHash,
          sendingApplication: msg ? msg.raw('MSH', 1, 3) || null : null,
          sendingFacility: msg ? msg.raw('MSH', 1, 4) || null : null,
          controlId: msg ? msg.get('MSH', 1, 10) || null : null,
          error: errorName(err),
          raw: frame,
          nir: msg ? nirOf(msg) : undefined,
        },
        this.opts.poisonMaxAttempts,
      );
    } catch (countErr) {
      this.log.error({ err: errorName(err), countErr: errorName(countErr) }, 'HL7 message failed and its attempt could not be counted');
      return this.unavailable(frame, reading);
    }
    const event = hl7EventLabel(reading.msg?.get('MSH', 1, 9, 1, 2) ?? '');
    if (!outcome.parked) {
      this.log.error({ err: errorName(err), event, attempts: outcome.attempts }, 'HL7 message failed; the sender will resend it');
      return this.unavailable(frame, reading);
    }
    this.metrics.hl7Parked.inc();
    this.metrics.hl7Messages.inc({ event, ack: 'AR' });
    this.log.error(
      { err: errorName(err), event, attempts: outcome.attempts },
      'HL7 message parked after failing on every attempt (hl7_parked_message): answered AR',
    );
    const text = `Message failed ${outcome.attempts} times on our side and is kept for an operator; do not resend it`;
    const issue: Hl7Issue = { segment: 'MSH', sequence: 1, field: 10, code: 207, severity: 'E', text };
    return reading.msg
      ? buildAck(reading.msg, { code: 'AR', errors: [issue], controlId: this.ids.next(), ...this.ours() })
      : buildNakFromRaw(frame, issue, this.ids.next(), this.ours());
  }

  /** Not stored, worth resending: close unanswered (the sender resends), or AE for senders configured so. */
  private unavailable(frame: Buffer, reading: Reading): Buffer {
    const answer = reading.rule?.onStorageFailure ?? 'close';
    this.metrics.hl7StorageFailures.inc({ answer });
    if (answer === 'close') throw new MllpCloseConnection('message not stored (storage unavailable): the sender will resend');
    const text = 'Message not stored (temporary failure on our side); please resend';
    const issue: Hl7Issue = { segment: 'MSH', sequence: 1, code: 207, severity: 'E', text };
    return reading.msg
      ? buildAck(reading.msg, { code: 'AE', errors: [issue], controlId: this.ids.next(), ...this.ours() })
      : buildNakFromRaw(frame, issue, this.ids.next(), { ...this.ours(), code: 'AE' });
  }

  private store(record: InboxRecord): ReturnType<InboxWriter['store']> {
    return this.guard(() => this.parts.writer.store(record));
  }

  /** Runs a storage call, turning a transient database failure into StorageUnavailable. */
  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (isTransientStorageError(err)) {
        this.log.warn({ err: errorName(err) }, 'HL7 storage unavailable');
        throw new StorageUnavailable(err);
      }
      throw err;
    }
  }

  /** Test-only (TEST_FAULT_INJECTION): a real SIGKILL of this process at the named point, or a poison message. */
  private injectFault(point: NonNullable<Hl7InboundOptions['faultInjection']>, msg: Hl7Message): void {
    if (this.opts.faultInjection !== point) return;
    if (point !== 'throw-on-poison-control-id') return void process.kill(process.pid, 'SIGKILL');
    if (msg.get('MSH', 1, 10).startsWith('POISON')) throw new TypeError('injected failure (TEST_FAULT_INJECTION)');
  }

  private ours(): { sendingApp: string; sendingFacility: string } {
    return { sendingApp: this.opts.receivingApplication, sendingFacility: this.opts.receivingFacility };
  }

  private record(
    raw: Buffer,
    msg: Hl7Message | undefined,
    ackCode: AckCode,
    ack: Buffer,
    correlationId: string,
    facts: StoredAdtFacts | null,
    contentHash: string | null,
  ): InboxRecord {
    const get = (f: number, c = 1) => (msg ? msg.get('MSH', 1, f, 1, c) || null : null);
    return {
      sendingApplication: msg ? msg.raw('MSH', 1, 3) || null : null,
      sendingFacility: msg ? msg.raw('MSH', 1, 4) || null : null,
      controlId: get(10),
      messageType: get(9, 1),
      event: get(9, 2),
      raw,
      charset: msg?.charset || this.opts.defaultCharset,
      status: ackCode === 'AA' ? 'accepted' : 'rejected',
      ackCode,
      ack,
      contentHash,
      correlationId,
      facts: facts as Record<string, unknown> | null,
      dispatched: !(facts && this.parts.wanted(facts)),
    };
  }
}

/** Error class name only: error messages may quote message content. */
function errorName(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}

/** The patient's NIR for an erasure pseudonym, if the message yields one; a message that cannot be read yields none. */
function nirOf(msg: Hl7Message): string | undefined {
  try {
    return extractAdtFacts(msg).nir || undefined;
  } catch {
    return undefined;
  }
}
