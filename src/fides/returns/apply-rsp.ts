/**
 * A NOEMIE RSP against our invoices (modelled norm, RETURNS.md). Each outcome (200) names its invoice by the billing
 * FINESS géographique of the 040 above it, the lot number and the invoice number; the lot is the transmission's
 * (lotRef) among the lots of that emitter (000 recipientId = FINESS juridique), caisse, FINESS and lot number.
 *   P → paid when the amount paid is what we billed the AMO, else partly-paid with the amount-mismatch flag;
 *   S → warned (paid, with a signalement); R → rejected with the first motive's code and wording.
 * An invoice still `sent` (its ARL was lost) or `in-lot` is acknowledged implicitly first, and its lot with it.
 * Each transfer (220) becomes a payment row; the invoices carrying its reference must add up to its amount and count.
 *
 * Everything is checked before anything is written: one wrong line and the file writes nothing but its error.
 */
import { randomUUID } from 'node:crypto';
import type { SqlExecutor } from '../../persistence/sql';
import type { ReturnedFile } from '../../platform/return-file';
import type { ReadRecord } from '../b2/b2-file-reader';
import type { NoemieReading } from '../b2/noemie-file';
import type { ReturnPlan } from './apply-arl';
import { returnDate } from './read-return';
import { acknowledgeInvoices, LOT_AWAITING_RETURN, LOT_COLUMNS, type LotRow, moveInvoices, settleLot } from './return-sql';
import { ReturnRefused } from './return-refusal';

export type InvoiceOutcomeKind = 'paid' | 'partly-paid' | 'warned' | 'rejected';

interface InvoiceRow {
  id: string;
  state: string;
  lot_id: string | null;
  number: string;
  amo_cents: string;
}

interface Settlement {
  invoiceId: string;
  lotId: string;
  state: string;
  outcome: InvoiceOutcomeKind;
  billedCents: number;
  caisseBilledCents: number;
  paidCents: number;
  paymentDate: string | null;
  paymentReference: string | null;
  rejectCode: string | null;
  rejectWording: string | null;
  motives: Record<string, unknown>[];
  mismatch: boolean;
}

interface Payment {
  id: string;
  lotId: string;
  finess: string;
  reference: string;
  date: string;
  amountCents: number;
  invoiceCount: number;
}

/** P is paid in full or partly (then flagged); S is paid with a warning; R is rejected. */
function outcomeOf(letter: 'P' | 'S' | 'R', mismatch: boolean): InvoiceOutcomeKind {
  if (letter === 'R') return 'rejected';
  if (letter === 'S') return 'warned';
  return mismatch ? 'partly-paid' : 'paid';
}

export async function planRsp(tx: SqlExecutor, reading: NoemieReading, file: ReturnedFile): Promise<ReturnPlan> {
  const h = reading.header.values;
  const lots = new Map<string, LotRow>();
  const invoicesOf = new Map<string, Map<string, InvoiceRow>>();
  const settlements: Settlement[] = [];
  const seen = new Set<string>();

  for (const { outcome: line, motives } of reading.invoices) {
    const v = line.values;
    const finess = String(recipientOf(reading, line).values.partnerNumber);
    const at = `RSP line ${line.line} (invoice ${String(v.invoiceNumber)}, lot ${String(v.lotNumber)}, FINESS ${finess})`;
    const lotKey = `${finess}/${String(v.lotNumber)}`;
    let lot = lots.get(lotKey);
    if (!lot) {
      lot = await tx.one<LotRow>(
        `SELECT ${LOT_COLUMNS} FROM fides_lot
         WHERE emitter_id = $1 AND grand_regime = $2 AND managing_fund = $3 AND finess = $4 AND lot_number = $5::int
           AND ($6::text IS NULL OR lot_ref = $6)
         ORDER BY lot_sequence DESC LIMIT 1 FOR UPDATE`,
        [h.recipientId, h.emitterRegime, h.emitterFund, finess, v.lotNumber, file.lotRef],
      );
      if (!lot)
        throw new ReturnRefused(
          'RETURN-UNKNOWN-LOT',
          `${at}: no lot ${String(v.lotNumber)} of emitter ${String(h.recipientId)} for caisse ${String(h.emitterRegime)}${String(h.emitterFund)}${file.lotRef ? ` is ${file.lotRef}` : ''}`,
        );
      if (lot.state === 'refused') throw new ReturnRefused('RSP-LOT-REFUSED', `${at}: lot ${lot.lot_ref} was refused by its ARL`);
      if (lot.state !== 'acknowledged' && !LOT_AWAITING_RETURN.has(lot.state))
        throw new ReturnRefused('ARL-LOT-NOT-SENT', `${at}: lot ${lot.lot_ref} is ${lot.state}`);
      lots.set(lotKey, lot);
      const rows = await tx.rows<InvoiceRow>(
        `SELECT i.id, i.state, i.lot_id, ltrim(i.invoice_number, '0') AS number, li.amo_cents::text AS amo_cents
         FROM fides_lot_invoice li JOIN invoice i ON i.id = li.invoice_id
         WHERE li.lot_id = $1 AND i.finess = $2 ORDER BY i.id FOR UPDATE OF i`,
        [lot.id, finess],
      );
      invoicesOf.set(lot.id, new Map(rows.map((r) => [r.number, r])));
    }
    const number = String(v.invoiceNumber).replace(/^0+/, '');
    const inv = invoicesOf.get(lot.id)?.get(number);
    if (!inv) throw new ReturnRefused('RSP-UNKNOWN-INVOICE', `${at}: no such invoice in lot ${lot.lot_ref}`);
    if (seen.has(inv.id)) throw new ReturnRefused('RSP-DUPLICATE-LINE', `${at}: the invoice has an earlier line in this file`);
    seen.add(inv.id);
    if (['paid', 'partly-paid', 'warned', 'rejected'].includes(inv.state))
      throw new ReturnRefused('RSP-INVOICE-SETTLED', `${at}: the invoice is already ${inv.state}`);
    if (inv.lot_id !== lot.id || !['in-lot', 'sent', 'acknowledged'].includes(inv.state))
      throw new ReturnRefused(
        'RSP-INVOICE-NOT-AWAITING',
        `${at}: the invoice is ${inv.state}${inv.lot_id !== lot.id ? ', no longer in that lot' : ''}`,
      );
    const letter = String(v.outcome);
    if (letter !== 'P' && letter !== 'S' && letter !== 'R') throw new ReturnRefused('RSP-BAD-OUTCOME', `${at}: outcome must be P, S or R`);
    const billed = Number(inv.amo_cents);
    const rejected = letter === 'R';
    const paid = !rejected && typeof v.paidAmount === 'number' ? v.paidAmount : 0;
    const mismatch = letter !== 'R' && paid !== billed;
    const first = motives[0]?.values;
    settlements.push({
      invoiceId: inv.id,
      lotId: lot.id,
      state: inv.state,
      outcome: outcomeOf(letter, mismatch),
      billedCents: billed,
      caisseBilledCents: typeof v.billedAmount === 'number' ? v.billedAmount : 0,
      paidCents: paid,
      paymentDate: letter === 'R' ? null : returnDate(v.paymentDate),
      paymentReference: letter === 'R' || typeof v.paymentReference !== 'string' ? null : v.paymentReference,
      rejectCode: rejected && first?.anomalyCode !== undefined ? String(first.anomalyCode) : null,
      rejectWording: letter === 'R' && first?.comment !== undefined ? String(first.comment) : null,
      motives: motives.map(motiveOf),
      mismatch,
    });
  }

  const payments = planPayments(reading, settlements, lots);
  const paymentOf = new Map(payments.map((p) => [p.reference, p.id]));
  const touchedLots = [...lots.values()];

  return {
    lotId: touchedLots[0]?.id ?? null,
    linesRead: reading.invoices.length + reading.payments.length,
    invoicesApplied: settlements.length,
    paidCents: settlements.reduce((n, s) => n + s.paidCents, 0),
    async apply(t, returnId, actor) {
      for (const lot of touchedLots)
        if (LOT_AWAITING_RETURN.has(lot.state))
          await settleLot(t, lot.id, 'acknowledged', 'implicit', 'ARL not received: the RSP acknowledges the file');
      const waiting = settlements.filter((s) => s.state !== 'acknowledged').map((s) => s.invoiceId);
      await acknowledgeInvoices(t, waiting, `rsp-implies-acknowledged (return ${returnId}): ARL lost or late`, actor);
      for (const p of payments)
        await t.exec(
          `INSERT INTO fides_payment (id, return_id, lot_id, finess, emitter_regime, emitter_fund, reference, payment_date, amount_cents, invoice_count)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8::date, $9, $10)`,
          [p.id, returnId, p.lotId, p.finess, h.emitterRegime, h.emitterFund, p.reference, p.date, p.amountCents, p.invoiceCount],
        );
      for (const kind of ['paid', 'partly-paid', 'warned', 'rejected'] as const) {
        const ids = settlements.filter((s) => s.outcome === kind).map((s) => s.invoiceId);
        await moveInvoices(t, ids, 'acknowledged', kind, `rsp-${kind} (return ${returnId})`, actor);
      }
      if (settlements.length === 0) return;
      await t.exec(
        `INSERT INTO invoice_outcome (invoice_id, return_id, lot_id, payment_id, outcome, billed_cents, caisse_billed_cents, paid_cents,
           payment_date, payment_reference, reject_code, reject_wording, motives, amount_mismatch)
         SELECT x.invoice_id, $2, x.lot_id, x.payment_id, x.outcome, x.billed_cents, x.caisse_billed_cents, x.paid_cents,
           x.payment_date, x.payment_reference, x.reject_code, x.reject_wording, x.motives, x.amount_mismatch
         FROM jsonb_to_recordset($1::jsonb) AS x(invoice_id uuid, lot_id uuid, payment_id uuid, outcome text, billed_cents bigint,
           caisse_billed_cents bigint, paid_cents bigint, payment_date date, payment_reference text, reject_code text,
           reject_wording text, motives jsonb, amount_mismatch boolean)`,
        [
          JSON.stringify(
            settlements.map((s) => ({
              invoice_id: s.invoiceId,
              lot_id: s.lotId,
              payment_id: (s.paymentReference && paymentOf.get(s.paymentReference)) ?? null,
              outcome: s.outcome,
              billed_cents: s.billedCents,
              caisse_billed_cents: s.caisseBilledCents,
              paid_cents: s.paidCents,
              payment_date: s.paymentDate,
              payment_reference: s.paymentReference,
              reject_code: s.rejectCode,
              reject_wording: s.rejectWording,
              motives: s.motives,
              amount_mismatch: s.mismatch,
            })),
          ),
          returnId,
        ],
      );
    },
  };
}

/**
 * What is kept of a 210: its code, the datum it concerns and the caisse's wording — not the original and replacement
 * values, which may be a NIR or a birth date (the stored table is in clear; the raw return stays in inbound_return).
 */
function motiveOf(m: ReadRecord): Record<string, unknown> {
  const { anomalyCode, dataConcerned, comment } = m.values;
  return { anomalyCode, ...(dataConcerned !== undefined ? { dataConcerned } : {}), ...(comment !== undefined ? { comment } : {}) };
}

/** The 040 an entity belongs to: the last one above it (the reader guarantees there is one before any 200). */
function recipientOf(reading: NoemieReading, r: ReadRecord): ReadRecord {
  let found = reading.recipients[0];
  for (const x of reading.recipients) if (x.line < r.line) found = x;
  return found;
}

/**
 * Each transfer (220) against the invoices of this file that carry its reference: same amount, same count, or the
 * file is refused. A paid line whose reference has no 220 in this file is kept as is (its transfer may be announced
 * in a later file; modelled).
 */
function planPayments(reading: NoemieReading, settlements: readonly Settlement[], lots: ReadonlyMap<string, LotRow>): Payment[] {
  const byLot = new Map([...lots.values()].map((l) => [l.id, l]));
  const out: Payment[] = [];
  for (const p of reading.payments) {
    const v = p.values;
    const reference = String(v.paymentReference);
    const at = `RSP line ${p.line} (transfer ${reference})`;
    if (out.some((x) => x.reference === reference))
      throw new ReturnRefused('RSP-PAYMENT-TOTAL', `${at}: the same transfer twice in one file`);
    const paying = settlements.filter((s) => s.paymentReference === reference && s.outcome !== 'rejected');
    const sum = paying.reduce((n, s) => n + s.paidCents, 0);
    const amount = typeof v.amount === 'number' ? v.amount : 0;
    const count = typeof v.invoiceCount === 'number' ? v.invoiceCount : 0;
    if (paying.length === 0 || sum !== amount || paying.length !== count)
      throw new ReturnRefused(
        'RSP-PAYMENT-TOTAL',
        `${at}: announces ${count} invoice(s) for ${amount} cents, the file's invoices with that reference are ${paying.length} for ${sum} cents`,
      );
    const date = returnDate(v.paymentDate);
    const lot = byLot.get(paying[0].lotId);
    if (!date || !lot) throw new ReturnRefused('RETURN-MALFORMED', `${at}: no payment date`);
    out.push({ id: randomUUID(), lotId: lot.id, finess: lot.finess, reference, date, amountCents: amount, invoiceCount: count });
  }
  return out;
}
