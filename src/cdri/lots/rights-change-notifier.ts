import { readFileSync } from 'node:fs';
import { type AppConfig } from '../../config/app-config';
import { ControlIdGenerator } from '../../hl7/control-id';
import { buildRightsChangeA08 } from '../hl7/rights-change-a08.builder';
import { MllpSender } from '../../hl7/outbound/mllp-sender';
import { type OutboundMessageStore } from '../../hl7/outbound/outbound-message.store';
import { type AppLogger } from '../../observability/logger';
import { type Lot, type LotStore } from './lot.store';

const POLL_MS = 1000;

/**
 * Pushes a lot's rights-change worklist back to the GAP as ADT^A08 with the updated IN1 (see README §Rights
 * changes). Messages are stored in `outbound_message` when the lot completes (idempotent per lot item), then
 * sent one at a time by a loop that survives restarts: a message is sent until the GAP acknowledges it (AA) or
 * refuses it (AE/AR, kept with the reason); while the GAP is unreachable it stays pending and is retried.
 * Without GAP_MLLP_HOST nothing is pushed: the worklist is on FHIR (List) only.
 */
export class RightsChangeNotifier {
  private readonly ids = new ControlIdGenerator();
  private sender?: MllpSender;
  private timer?: NodeJS.Timeout;
  private loop?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly outbound: OutboundMessageStore,
    private readonly store: LotStore,
    private readonly config: AppConfig,
    private readonly log: AppLogger,
  ) {}

  async onLotCompleted(lot: Lot): Promise<void> {
    if (!this.config.gapOutbound) return;
    const changed = await this.store.changedItems(lot.id);
    // PID-5 is required in PAM FR: an A08 without the patient's name would be refused by a strict GAP. Patients
    // known only by NIR (a CSV without names) stay on the FHIR worklist.
    const items = changed.filter((i) => i.familyName);
    if (items.length < changed.length) {
      this.log.warn(
        { lotId: lot.id, withoutName: changed.length - items.length },
        'Rights changes without a patient name: FHIR worklist only, no A08',
      );
    }
    for (const item of items) {
      const controlId = this.ids.next();
      const payload = buildRightsChangeA08({
        nir: item.nir,
        ipp: item.ipp ?? undefined,
        visitNumber: item.visitNumber ?? undefined,
        change: item.change as 'RIGHTS_CLOSED' | 'ORGANISM_CHANGED' | 'EXONERATION_LOST' | 'UNKNOWN_PATIENT',
        answer: item.answer ?? undefined,
        patientName: { family: item.familyName!, given: item.givenName ?? undefined },
        controlId,
        sendingApp: this.config.hl7.receivingApplication,
        sendingFacility: this.config.hl7.receivingFacility,
        receivingApp: 'GAP',
        receivingFacility: lot.finess,
      });
      await this.outbound.queueRightsChange(item.id, controlId, payload);
    }
    if (items.length) this.log.info({ lotId: lot.id, messages: items.length }, 'Rights-change A08 messages queued for the GAP');
  }

  start(): void {
    const gap = this.config.gapOutbound;
    if (!gap) return;
    this.sender = new MllpSender({
      host: gap.host,
      port: gap.port,
      timeoutMs: gap.timeoutMs,
      retries: gap.retries,
      tls: gap.tls
        ? {
            ca: gap.tls.caFile ? readFileSync(gap.tls.caFile) : undefined,
            cert: gap.tls.certFile ? readFileSync(gap.tls.certFile) : undefined,
            key: gap.tls.keyFile ? readFileSync(gap.tls.keyFile) : undefined,
          }
        : undefined,
    });
    const run = () => {
      if (this.loop || this.stopped) return;
      this.loop = this.drain()
        .catch((err) => this.log.warn({ err }, 'GAP outbound paused; will retry'))
        .finally(() => (this.loop = undefined));
    };
    this.timer = setInterval(run, POLL_MS);
    this.timer.unref();
    run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.loop;
    await this.sender?.close();
  }

  /** Sends pending messages in creation order, one at a time. */
  private async drain(): Promise<void> {
    while (!this.stopped) {
      const rows = await this.outbound.nextPending();
      if (rows.length === 0) return;
      for (const row of rows) {
        if (this.stopped) return;
        await this.outbound.countAttempt(row.id);
        const result = await this.sender!.send(row.payload);
        await this.outbound.recordOutcome(row.id, { state: result.outcome, ackCode: result.ackCode, detail: result.detail ?? null });
        if (result.outcome === 'refused') this.log.warn({ outboundId: row.id, ackCode: result.ackCode }, 'GAP refused a rights-change A08');
      }
    }
  }
}
