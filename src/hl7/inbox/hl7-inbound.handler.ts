import { validateNir } from '../../identifiers';
import { newCorrelationId, withCorrelation } from '../../observability/correlation';
import { type AppLogger } from '../../observability/logger';
import { type Metrics } from '../../observability/metrics';
import { ControlIdGenerator } from '../control-id';
import { type AckCode, buildAck, buildNakFromRaw, type Hl7Issue } from '../hl7-ack';
import { type Hl7Message, Hl7ParseError, parseHl7 } from '../hl7-message';
import { extractAdtFacts, validatePamFr } from '../pam-fr-validation';
import { type StoredAdtFacts } from './hl7-subscription';
import { type InboxRecord } from './inbox-message.store';
import { type InboxWriter } from './inbox-writer';

export interface Hl7InboundOptions {
  defaultCharset: string;
  receivingApplication: string;
  receivingFacility: string;
  faultInjection?: 'crash-before-store' | 'crash-after-store';
}

/**
 * The HL7 edge's one use case: parse, validate, store, and only then acknowledge.
 * The ACK is built before storing so that it is stored with the message: a repeat of the same
 * (MSH-3, MSH-4, MSH-10) is answered with the very same bytes, without reprocessing.
 */
export class Hl7InboundHandler {
  private readonly ids = new ControlIdGenerator();

  constructor(
    private readonly writer: InboxWriter,
    /** Does some flow follow this message up? (see Hl7Subscription.wants) */
    private readonly wanted: (facts: StoredAdtFacts) => boolean,
    /** Called after an accepted message with follow-up work is stored (wakes the dispatcher in this process). */
    private readonly onFollowUp: () => void,
    private readonly metrics: Metrics,
    private readonly log: AppLogger,
    private readonly opts: Hl7InboundOptions,
  ) {}

  handle(frame: Buffer): Promise<Buffer> {
    const correlationId = newCorrelationId();
    return withCorrelation(correlationId, () => this.process(frame, correlationId));
  }

  /** The answer when storing itself failed: nothing was stored, so the sender must send again. */
  storageFailure(frame: Buffer, err: unknown): Buffer {
    this.log.error({ err }, 'HL7 message NOT stored; answered AR so that the sender resends');
    this.metrics.hl7Messages.inc({ event: 'unknown', ack: 'AR' });
    return buildNakFromRaw(
      frame,
      { segment: 'MSH', code: 207, severity: 'E', text: 'Message not stored (temporary failure on our side); please resend' },
      this.ids.next(),
      this.ours(),
    );
  }

  private async process(frame: Buffer, correlationId: string): Promise<Buffer> {
    const stopTimer = this.metrics.hl7AckLatency.startTimer();
    let msg: Hl7Message;
    try {
      msg = parseHl7(frame, { defaultCharset: this.opts.defaultCharset });
    } catch (err) {
      if (!(err instanceof Hl7ParseError)) throw err;
      const nak = buildNakFromRaw(frame, err, this.ids.next(), this.ours());
      await this.writer.store(this.record(frame, undefined, 'AR', nak, correlationId, null));
      this.log.warn({ segment: err.segment, field: err.field, reason: err.reason }, 'HL7 frame not parseable: answered AR');
      this.metrics.hl7Messages.inc({ event: 'unparseable', ack: 'AR' });
      stopTimer();
      return nak;
    }

    const validation = validatePamFr(msg);
    let ackCode: AckCode = validation.ackCode;
    const issues: Hl7Issue[] = [...validation.issues];
    let facts: StoredAdtFacts | null = null;
    if (ackCode === 'AA') {
      const adt = extractAdtFacts(msg);
      const nirField = adt.patientNir ? 'PID-3' : 'IN1-49';
      if (adt.nir) {
        const nir = validateNir(adt.nir);
        if (!nir.ok) {
          issues.push({
            segment: nirField.slice(0, 3),
            sequence: 1,
            field: Number(nirField.slice(4)),
            code: 102,
            severity: 'E',
            text: `Invalid NIR in ${nirField}: ${nir.reason}`,
          });
          ackCode = 'AE';
        }
      }
      facts = {
        event: validation.event,
        nir: adt.nir,
        nirField,
        birthDate: adt.birthDate,
        dateOfCare: (validation.event === 'A05' ? adt.plannedDate : undefined) ?? adt.admitDate,
        finess: adt.siteFiness ?? adt.finess,
        sendingApplication: adt.sendingApp,
        visitNumber: adt.visitNumber,
        ipp: adt.patientIds.find((p) => p.typeCode === 'PI')?.id,
        familyName: msg.get('PID', 1, 5, 1, 1) || undefined,
        givenName: msg.get('PID', 1, 5, 1, 2) || undefined,
      };
    }
    const ack = buildAck(msg, { code: ackCode, errors: issues, controlId: this.ids.next(), ...this.ours() });
    this.injectFault('crash-before-store');
    const result = await this.writer.store(this.record(frame, msg, ackCode, ack, correlationId, ackCode === 'AA' ? facts : null));
    this.injectFault('crash-after-store');
    stopTimer();
    if (!result.stored) {
      this.metrics.hl7Duplicates.inc();
      this.log.info(
        { event: validation.event, duplicateOf: result.duplicateOf },
        'HL7 repeat of a stored message: original ACK sent again',
      );
      return result.ack;
    }
    this.metrics.hl7Messages.inc({ event: validation.event || 'unknown', ack: ackCode });
    if (ackCode !== 'AA') {
      this.log.warn(
        { event: validation.event, ack: ackCode, issues: issues.map((i) => `${i.segment}-${i.field ?? ''} ${i.code}: ${i.text}`) },
        'HL7 message refused',
      );
    } else if (facts && this.wanted(facts)) {
      // The follow-up runs off the ACK path, in batches (AdtDispatcher); dispatched_at stays NULL until it is done.
      this.onFollowUp();
    }
    return ack;
  }

  /** Test-only (TEST_FAULT_INJECTION): a real SIGKILL of this process at the named point. */
  private injectFault(point: 'crash-before-store' | 'crash-after-store'): void {
    if (this.opts.faultInjection === point) process.kill(process.pid, 'SIGKILL');
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
      correlationId,
      facts: facts as Record<string, unknown> | null,
      dispatched: !(facts && this.wanted(facts)),
    };
  }
}
