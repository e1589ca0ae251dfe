/**
 * After a lot is numbered and committed: hand it to the transmission outbox (LOT_TRANSMISSION, provided by the
 * transport flow), then follow its transmission until it is sent.
 *
 * - numbered → handed-over: prepare() is idempotent per (flow, lotRef, recipientId), so a lot whose process died
 *   between the commit and the hand-over, or between prepare() and recording it, is handed over again by the sweep and
 *   gets the same transmission — never a second one.
 * - handed-over → sent: when the transmission is sent (or already acknowledged), the lot and its invoices
 *   (in-lot → sent, with history) move in one transaction; the transmission's possible_duplicate mark is copied.
 * - a lot a return settled before its send was recorded (crash between send and record; a quick ARL) still gets
 *   that mark and its send time once its transmission's outcome is known (followSettled).
 */
import type { Sql } from '../../persistence/sql';
import type { LotTransmissionPort } from '../../platform/lot-transmission';
import type { InvoiceStore } from '../invoice.store';
import type { LotStore, StoredLot } from './lot.store';

export const FIDES_FLOW = 'fides';

export interface LotSweepResult {
  handedOver: number;
  sent: number;
  /** Lots whose hand-over failed this time (certificate refused, recipient unknown…): retried at the next sweep. */
  failed: Array<{ lotRef: string; error: string }>;
}

export class LotHandover {
  constructor(
    private readonly db: Sql,
    private readonly lots: LotStore,
    private readonly invoices: InvoiceStore,
    /** Undefined when transport is not configured: lots stay `numbered` (and /health says so). */
    private readonly transmission: LotTransmissionPort | undefined,
  ) {}

  get configured(): boolean {
    return this.transmission !== undefined;
  }

  /** numbered → handed-over; returns the lot as it now stands. */
  async handOver(lot: StoredLot): Promise<StoredLot> {
    if (!this.transmission) throw new Error('no transmission outbox: configure transport (SIGNING_SEAL_P12_FILE) to send lots');
    if (lot.state !== 'numbered') return lot;
    const content = await this.lots.content(lot.id);
    if (!content) throw new Error(`lot ${lot.lotRef} has no content`);
    const { transmission } = await this.transmission.prepare({
      flow: FIDES_FLOW,
      lotRef: lot.lotRef,
      recipientId: lot.recipientId,
      fileName: `${lot.lotRef}.p7m`,
      content,
      requestedBy: lot.closedBy,
    });
    await this.lots.handedOver(lot.id, transmission.id);
    return (await this.lots.get(lot.id)) ?? lot;
  }

  /** Moves a handed-over lot on when its transmission is sent; true when it moved. */
  async follow(lot: StoredLot): Promise<boolean> {
    if (!this.transmission || lot.state !== 'handed-over' || !lot.transmissionId) return false;
    const t = await this.transmission.get(lot.transmissionId);
    if (!t || (t.state !== 'sent' && t.state !== 'acknowledged')) return false;
    const ids = (await this.lots.invoices(lot.id)).map((i) => i.invoiceId);
    return this.db.transaction(async (tx) => {
      if (!(await this.lots.sent(tx, lot.id, { possibleDuplicate: t.possibleDuplicate, sentAt: t.sentAt }))) return false;
      await this.invoices.transitionMany(tx, ids, { from: 'in-lot', to: 'sent', cause: `lot ${lot.lotRef} sent`, actor: 'system' });
      return true;
    });
  }

  /** One pass over the lots left `numbered` and those `handed-over`; safe in several processes at once. */
  async sweep(limit = 500): Promise<LotSweepResult> {
    const result: LotSweepResult = { handedOver: 0, sent: 0, failed: [] };
    if (!this.transmission) return result;
    for (const lot of await this.lots.inState('numbered', limit)) {
      try {
        if ((await this.handOver(lot)).state === 'handed-over') result.handedOver++;
      } catch (err) {
        result.failed.push({ lotRef: lot.lotRef, error: err instanceof Error ? err.message : String(err) });
      }
    }
    for (const lot of await this.lots.inState('handed-over', limit)) if (await this.follow(lot)) result.sent++;
    for (const lot of await this.lots.settledBeforeSent(limit)) await this.followSettled(lot);
    return result;
  }

  /**
   * A lot an ARL (or RSP) settled while its send was unrecorded never passes through follow(): its transmission's
   * outcome — above all the possible_duplicate mark of a resend after a crash — is copied here once it is known.
   */
  private async followSettled(lot: StoredLot): Promise<void> {
    if (!this.transmission || !lot.transmissionId) return;
    const t = await this.transmission.get(lot.transmissionId);
    if (!t || (t.state !== 'sent' && t.state !== 'acknowledged') || !t.sentAt) return;
    await this.lots.sendRecordedLate(lot.id, { possibleDuplicate: t.possibleDuplicate, sentAt: t.sentAt });
  }
}
