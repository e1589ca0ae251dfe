/**
 * Reads of what the returns settled: an invoice's latest outcome (ClaimResponse), payments with their invoices
 * (PaymentReconciliation), a lot's totals, the rejects (worklist) and the return files themselves (operators). Every
 * read takes the caller's FINESS scope ('all' for operators): another establishment's rows are not found.
 */
import type { Sql } from '../../persistence/sql';

export type FinessScope = readonly string[] | 'all';

export interface InvoiceOutcomeView {
  outcome: 'paid' | 'partly-paid' | 'warned' | 'rejected';
  billedCents: number;
  caisseBilledCents: number;
  paidCents: number;
  paymentDate: string | null;
  paymentReference: string | null;
  paymentId: string | null;
  rejectCode: string | null;
  rejectWording: string | null;
  /** Motive codes and wordings only (the motive's data fields may hold a value of the file, e.g. a NIR). */
  motives: { code: string; wording: string | null }[];
  amountMismatch: boolean;
  at: Date;
}

export interface PaymentView {
  id: string;
  finess: string;
  lotId: string;
  lotRef: string;
  caisse: string;
  reference: string;
  date: string;
  amountCents: number;
  invoiceCount: number;
  createdAt: Date;
  details: { invoiceId: string; invoiceNumber: string; outcome: string; billedCents: number; paidCents: number; date: string | null }[];
}

export interface LotReconciliation {
  lotId: string;
  lotRef: string;
  finess: string;
  state: string;
  arlStatus: string | null;
  invoiceCount: number;
  byState: Record<string, number>;
  billedCents: number;
  paidCents: number;
  rejectedCents: number;
  /** Billed to the AMO, not yet paid nor rejected. */
  outstandingCents: number;
  mismatches: number;
  payments: { id: string; reference: string; date: string; amountCents: number; invoiceCount: number }[];
}

export interface RejectRow {
  invoiceId: string;
  invoiceNumber: string;
  finess: string;
  lotRef: string;
  rejectCode: string | null;
  rejectWording: string | null;
  billedCents: number;
  rejectedAt: Date;
}

export interface ReturnRecord {
  id: string;
  kind: string;
  fileName: string;
  lotRef: string | null;
  status: string;
  errorCode: string | null;
  errorDetail: string | null;
  duplicateOf: string | null;
  invoicesApplied: number;
  receivedAt: Date;
}

const scoped = (column: string, scope: FinessScope, param: number): string => (scope === 'all' ? 'true' : `${column} = ANY($${param})`);
const scopeParam = (scope: FinessScope): unknown[] => (scope === 'all' ? [] : [scope]);

export class ReconciliationStore {
  constructor(private readonly db: Sql) {}

  async latestOutcome(invoiceId: string): Promise<InvoiceOutcomeView | undefined> {
    const r = await this.db.one<Omit<InvoiceOutcomeView, 'motives'> & { motives: Record<string, unknown>[] }>(
      `SELECT outcome, billed_cents::float8 AS "billedCents", caisse_billed_cents::float8 AS "caisseBilledCents",
         paid_cents::float8 AS "paidCents", payment_date::text AS "paymentDate", payment_reference AS "paymentReference",
         payment_id AS "paymentId", reject_code AS "rejectCode", reject_wording AS "rejectWording", motives,
         amount_mismatch AS "amountMismatch", created_at AS at
       FROM invoice_outcome WHERE invoice_id = $1 ORDER BY id DESC LIMIT 1`,
      [invoiceId],
    );
    if (!r) return undefined;
    const motives = r.motives.map((m) => ({
      code: typeof m.anomalyCode === 'string' ? m.anomalyCode : '',
      wording: typeof m.comment === 'string' ? m.comment : null,
    }));
    return { ...r, motives };
  }

  async payment(id: string, scope: FinessScope): Promise<PaymentView | undefined> {
    const [p] = await this.payments(`p.id = $1`, [id], scope, 1);
    return p;
  }

  /** Newest first; `reference` narrows to one transfer reference. */
  async searchPayments(q: { reference?: string; limit: number }, scope: FinessScope): Promise<PaymentView[]> {
    return q.reference ? this.payments(`p.reference = $1`, [q.reference], scope, q.limit) : this.payments('true', [], scope, q.limit);
  }

  private async payments(where: string, params: unknown[], scope: FinessScope, limit: number): Promise<PaymentView[]> {
    const n = params.length;
    const rows = await this.db.rows<Omit<PaymentView, 'details'>>(
      `SELECT p.id, p.finess, p.lot_id AS "lotId", l.lot_ref AS "lotRef", p.emitter_regime || p.emitter_fund AS caisse, p.reference,
         p.payment_date::text AS date, p.amount_cents::float8 AS "amountCents", p.invoice_count AS "invoiceCount", p.created_at AS "createdAt"
       FROM fides_payment p JOIN fides_lot l ON l.id = p.lot_id
       WHERE ${where} AND ${scoped('p.finess', scope, n + 1)}
       ORDER BY p.created_at DESC, p.id LIMIT ${clamp(limit)}`,
      [...params, ...scopeParam(scope)],
    );
    if (rows.length === 0) return [];
    const details = await this.db.rows<PaymentView['details'][number] & { paymentId: string }>(
      `SELECT o.payment_id AS "paymentId", o.invoice_id AS "invoiceId", i.invoice_number AS "invoiceNumber", o.outcome,
         o.billed_cents::float8 AS "billedCents", o.paid_cents::float8 AS "paidCents", o.payment_date::text AS date
       FROM invoice_outcome o JOIN invoice i ON i.id = o.invoice_id
       WHERE o.payment_id = ANY($1::uuid[]) ORDER BY i.invoice_number`,
      [rows.map((r) => r.id)],
    );
    return rows.map((r) => ({
      ...r,
      details: details.filter((d) => d.paymentId === r.id).map(({ paymentId: _, ...d }) => d),
    }));
  }

  async lot(lotId: string, scope: FinessScope): Promise<LotReconciliation | undefined> {
    const lot = await this.db.one<{
      lotId: string;
      lotRef: string;
      finess: string;
      state: string;
      arlStatus: string | null;
      invoiceCount: number;
    }>(
      `SELECT id AS "lotId", lot_ref AS "lotRef", finess, state, arl_status AS "arlStatus", invoice_count AS "invoiceCount"
       FROM fides_lot WHERE id = $1 AND ${scoped('finess', scope, 2)}`,
      [lotId, ...scopeParam(scope)],
    );
    if (!lot) return undefined;
    // Per invoice of the lot: its state now and its latest outcome from this lot (an invoice sent back by a negative
    // ARL has none here, and counts by the state it is in now).
    const rows = await this.db.rows<{ state: string; billed: number; outcome: string | null; paid: number; mismatch: boolean }>(
      `SELECT i.state, li.amo_cents::float8 AS billed, o.outcome, coalesce(o.paid_cents, 0)::float8 AS paid,
         coalesce(o.amount_mismatch, false) AS mismatch
       FROM fides_lot_invoice li JOIN invoice i ON i.id = li.invoice_id
       LEFT JOIN LATERAL (SELECT outcome, paid_cents, amount_mismatch FROM invoice_outcome
                          WHERE invoice_id = li.invoice_id AND lot_id = li.lot_id ORDER BY id DESC LIMIT 1) o ON true
       WHERE li.lot_id = $1`,
      [lotId],
    );
    const t = { byState: {} as Record<string, number>, billedCents: 0, paidCents: 0, rejectedCents: 0, outstandingCents: 0, mismatches: 0 };
    for (const r of rows) {
      t.byState[r.state] = (t.byState[r.state] ?? 0) + 1;
      t.billedCents += r.billed;
      t.paidCents += r.paid;
      if (r.outcome === 'rejected') t.rejectedCents += r.billed;
      else if (!r.outcome && lot.state !== 'refused') t.outstandingCents += r.billed;
      if (r.mismatch) t.mismatches++;
    }
    const payments = await this.db.rows<LotReconciliation['payments'][number]>(
      `SELECT id, reference, payment_date::text AS date, amount_cents::float8 AS "amountCents", invoice_count AS "invoiceCount"
       FROM fides_payment WHERE lot_id = $1 ORDER BY payment_date, reference`,
      [lotId],
    );
    return { ...lot, ...t, payments };
  }

  /** Invoices whose latest word from the AMO is a reject and that are still rejected (not sent again since). */
  async rejects(scope: FinessScope, limit = 5000): Promise<RejectRow[]> {
    return this.db.rows<RejectRow>(
      `SELECT i.id AS "invoiceId", i.invoice_number AS "invoiceNumber", i.finess, l.lot_ref AS "lotRef", o.reject_code AS "rejectCode",
         o.reject_wording AS "rejectWording", o.billed_cents::float8 AS "billedCents", o.created_at AS "rejectedAt"
       FROM invoice i
       JOIN LATERAL (SELECT * FROM invoice_outcome WHERE invoice_id = i.id ORDER BY id DESC LIMIT 1) o ON true
       JOIN fides_lot l ON l.id = o.lot_id
       WHERE i.state = 'rejected' AND o.outcome = 'rejected' AND ${scoped('i.finess', scope, 1)}
       ORDER BY o.reject_code NULLS LAST, o.created_at, i.finess, i.invoice_number LIMIT ${clamp(limit, 50_000)}`,
      scopeParam(scope),
    );
  }

  /** The return files the flow handled, newest first; `status` narrows (operators look for `error`). */
  async returns(q: { status?: string; limit: number }): Promise<ReturnRecord[]> {
    return this.db.rows<ReturnRecord>(
      `SELECT id, kind, file_name AS "fileName", lot_ref AS "lotRef", status, error_code AS "errorCode", error_detail AS "errorDetail",
         duplicate_of AS "duplicateOf", invoices_applied AS "invoicesApplied", received_at AS "receivedAt"
       FROM fides_return WHERE ($1::text IS NULL OR status = $1) ORDER BY received_at DESC, id LIMIT ${clamp(q.limit)}`,
      [q.status ?? null],
    );
  }

  /** Invoices by state, for the gauge. */
  async invoiceStates(): Promise<Record<string, number>> {
    const rows = await this.db.rows<{ state: string; n: number }>(`SELECT state, count(*)::int AS n FROM invoice GROUP BY state`);
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  }
}

function clamp(limit: number, max = 500): number {
  return Math.max(1, Math.min(Math.trunc(limit) || 1, max));
}
