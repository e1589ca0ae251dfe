/**
 * An ARL against our lots (modelled norm, RETURNS.md). Each acknowledgement (100) names a B2 file by its emitter
 * (FINESS juridique), its number and — through the 000 — the caisse that read it: that is one lot. Positive: the lot
 * and its invoices are acknowledged. Negative: the lot is refused, and its invoices go sent → file-refused → ready
 * with their lot cleared, so the next lot closing sends them again in a NEW lot (a new file number: a refused file's
 * number is never reused).
 *
 * Everything is checked before anything is written: a return that fails a check writes nothing but its error.
 */
import type { SqlExecutor } from '../../persistence/sql';
import type { NoemieReading } from '../b2/noemie-file';
import type { ReturnedFile } from '../../platform/return-file';
import { acknowledgeInvoices, LOT_AWAITING_RETURN, LOT_COLUMNS, type LotRow, moveInvoices, settleLot } from './return-sql';
import { ReturnRefused } from './return-refusal';

export interface ReturnPlan {
  /** The lot the return is about (the first, when an ARL acknowledges several files). */
  lotId: string | null;
  linesRead: number;
  invoicesApplied: number;
  paidCents: number;
  apply(tx: SqlExecutor, returnId: string, actor: string): Promise<void>;
}

interface ArlStep {
  lot: LotRow;
  positive: boolean;
  reason: string | null;
  invoiceIds: string[];
}

export async function planArl(tx: SqlExecutor, reading: NoemieReading, file: ReturnedFile): Promise<ReturnPlan> {
  const h = reading.header.values;
  const steps: ArlStep[] = [];
  for (const ack of reading.acknowledgements) {
    const a = ack.values;
    const where = `file ${String(a.fileNumber)} of emitter ${String(a.fileEmitterId)} for caisse ${String(h.emitterRegime)}${String(h.emitterFund)}`;
    const lot = await tx.one<LotRow>(
      `SELECT ${LOT_COLUMNS} FROM fides_lot
       WHERE emitter_id = $1 AND grand_regime = $2 AND managing_fund = $3 AND file_number = $4::bigint FOR UPDATE`,
      [a.fileEmitterId, h.emitterRegime, h.emitterFund, a.fileNumber],
    );
    if (!lot) throw new ReturnRefused('RETURN-UNKNOWN-LOT', `ARL line ${ack.line}: no lot is ${where}`);
    if (file.lotRef && lot.lot_ref !== file.lotRef)
      throw new ReturnRefused(
        'RETURN-LOT-MISMATCH',
        `ARL line ${ack.line}: ${where} is lot ${lot.lot_ref}, the return came for ${file.lotRef}`,
      );
    if (lot.state === 'acknowledged' || lot.state === 'refused')
      throw new ReturnRefused('ARL-LOT-SETTLED', `ARL line ${ack.line}: lot ${lot.lot_ref} is already ${lot.state}`);
    if (!LOT_AWAITING_RETURN.has(lot.state))
      throw new ReturnRefused('ARL-LOT-NOT-SENT', `ARL line ${ack.line}: lot ${lot.lot_ref} is ${lot.state}`);
    if (a.status !== 'P' && a.status !== 'N') throw new ReturnRefused('ARL-BAD-STATUS', `ARL line ${ack.line}: status must be P or N`);
    if (steps.some((s) => s.lot.id === lot.id))
      throw new ReturnRefused('ARL-LOT-SETTLED', `ARL line ${ack.line}: lot ${lot.lot_ref} acknowledged twice in one file`);
    const invoices = await tx.rows<{ id: string }>(
      `SELECT i.id FROM invoice i WHERE i.lot_id = $1 AND i.state IN ('in-lot', 'sent') ORDER BY i.id FOR UPDATE`,
      [lot.id],
    );
    steps.push({
      lot,
      positive: a.status === 'P',
      reason: a.status === 'N' ? arlReason(reading, ack.line) : null,
      invoiceIds: invoices.map((i) => i.id),
    });
  }
  return {
    lotId: steps[0]?.lot.id ?? null,
    linesRead: reading.acknowledgements.length + reading.anomalies.length,
    invoicesApplied: steps.reduce((n, s) => n + s.invoiceIds.length, 0),
    paidCents: 0,
    async apply(t, returnId, actor) {
      for (const s of steps) {
        if (s.positive) {
          await settleLot(t, s.lot.id, 'acknowledged', 'positive', null);
          await acknowledgeInvoices(t, s.invoiceIds, `arl-positive (return ${returnId})`, actor);
        } else {
          await settleLot(t, s.lot.id, 'refused', 'negative', s.reason);
          const cause = `arl-negative (return ${returnId})`;
          await moveInvoices(t, s.invoiceIds, 'in-lot', 'sent', `${cause} (send not recorded)`, actor);
          await moveInvoices(t, s.invoiceIds, 'sent', 'file-refused', cause, actor);
          await moveInvoices(t, s.invoiceIds, 'file-refused', 'ready', `${cause}: back to be sent in a new lot`, actor, { clearLot: true });
        }
      }
    },
  };
}

/**
 * The refusal reason kept on the lot: the ARL's reason code and its anomalies (line, record type, field, code) —
 * not their free-text comment, which the caisse may have filled with a value from the file.
 */
function arlReason(reading: NoemieReading, ackLine: number): string {
  const code = reading.acknowledgements.find((a) => a.line === ackLine)?.values.reasonCode;
  const next = reading.acknowledgements.find((a) => a.line > ackLine)?.line ?? Infinity;
  const anomalies = reading.anomalies
    .filter((x) => x.line > ackLine && x.line < next)
    .map((x) => {
      const v = x.values;
      return `${String(v.reasonCode)} at B2 line ${String(v.line)} record ${String(v.recordType)}${v.fieldName ? ` field ${String(v.fieldName)}` : ''}`;
    });
  return [code ? `reason ${String(code)}` : 'no reason code', ...anomalies].join('; ').slice(0, 2000);
}
