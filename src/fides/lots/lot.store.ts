/**
 * SQL of the lot tables (../migrations/1765200000000-lots.ts). The numbers, the lot, its bytes and its invoices are
 * written by the caller's transaction (close-lots.use-case.ts); the later steps (hand-over, sent) are one statement
 * each, guarded by the state they leave, so a step run twice (two workers, a replay after a crash) moves it once.
 */
import { createHash } from 'node:crypto';
import type { Sql, SqlExecutor } from '../../persistence/sql';
import type { LotRecipient } from './lot-recipient';

export const LOT_STATES = ['numbered', 'handed-over', 'sent', 'acknowledged', 'refused'] as const;
export type LotState = (typeof LOT_STATES)[number];
export type LotKind = 'ace' | 'stay' | 'mixed';
export type LotCloseCause = 'size' | 'cutoff' | 'manual';

export interface StoredLot {
  id: string;
  lotRef: string;
  emitterId: string;
  grandRegime: string;
  managingFund: string;
  finess: string;
  fileNumber: number;
  lotSequence: number;
  lotNumber: number;
  kind: LotKind;
  recipientId: string;
  state: LotState;
  invoiceCount: number;
  totalBilledCents: number;
  totalAmoCents: number;
  contentSha256: string;
  closeCause: LotCloseCause;
  closedBy: string;
  transmissionId: string | null;
  possibleDuplicate: boolean;
  arlStatus: string | null;
  arlReason: string | null;
  createdAt: Date;
  handedOverAt: Date | null;
  sentAt: Date | null;
  acknowledgedAt: Date | null;
  updatedAt: Date;
}

export interface NewLot {
  id: string;
  lotRef: string;
  emitterId: string;
  recipient: LotRecipient;
  finess: string;
  fileNumber: number;
  lotSequence: number;
  lotNumber: number;
  kind: LotKind;
  recipientId: string;
  content: Buffer;
  closeCause: LotCloseCause;
  closedBy: string;
  /** In file order. */
  invoices: ReadonlyArray<{ invoiceId: string; billedCents: number; amoCents: number }>;
}

export interface LotFilter {
  state?: LotState;
  /** Lots `sent` longer than this without an ARL. */
  arlOverdueHours?: number;
  /** The caller's establishments, or 'all' (operators). */
  finess: readonly string[] | 'all';
  limit: number;
}

const COLUMNS = `id, lot_ref AS "lotRef", emitter_id AS "emitterId", grand_regime AS "grandRegime",
  managing_fund AS "managingFund", finess, file_number::float8 AS "fileNumber", lot_sequence::float8 AS "lotSequence",
  lot_number AS "lotNumber", kind, recipient_id AS "recipientId", state, invoice_count AS "invoiceCount",
  total_billed_cents::float8 AS "totalBilledCents", total_amo_cents::float8 AS "totalAmoCents",
  content_sha256 AS "contentSha256", close_cause AS "closeCause", closed_by AS "closedBy",
  transmission_id AS "transmissionId", possible_duplicate AS "possibleDuplicate", arl_status AS "arlStatus",
  arl_reason AS "arlReason", created_at AS "createdAt", handed_over_at AS "handedOverAt", sent_at AS "sentAt",
  acknowledged_at AS "acknowledgedAt", updated_at AS "updatedAt"`;

export class LotStore {
  constructor(private readonly db: Sql) {}

  /**
   * The next file number and lot sequence of (emitter, recipient), taken by UPDATE … RETURNING in the caller's
   * transaction: the row stays locked until it commits (a concurrent closer of the same caisse waits), and a rollback
   * gives the numbers back — a number exists exactly when its lot does.
   */
  async takeNumbers(tx: SqlExecutor, emitterId: string, r: LotRecipient): Promise<{ fileNumber: number; lotSequence: number }> {
    const row = await tx.one<{ f: string; l: string }>(
      `INSERT INTO fides_lot_sequence AS s (emitter_id, grand_regime, managing_fund, last_file_number, last_lot_number)
       VALUES ($1, $2, $3, 1, 1)
       ON CONFLICT (emitter_id, grand_regime, managing_fund)
       DO UPDATE SET last_file_number = s.last_file_number + 1, last_lot_number = s.last_lot_number + 1
       RETURNING last_file_number AS f, last_lot_number AS l`,
      [emitterId, r.grandRegime, r.managingFund],
    );
    if (!row) throw new Error('fides_lot_sequence returned no row');
    return { fileNumber: Number(row.f), lotSequence: Number(row.l) };
  }

  /** Inserts the lot (state `numbered`, its bytes frozen by the table's trigger) and its invoices, in the caller's transaction. */
  async insert(tx: SqlExecutor, lot: NewLot): Promise<StoredLot> {
    const billed = lot.invoices.reduce((s, i) => s + i.billedCents, 0);
    const amo = lot.invoices.reduce((s, i) => s + i.amoCents, 0);
    const row = await tx.one<StoredLot>(
      `INSERT INTO fides_lot (id, lot_ref, emitter_id, grand_regime, managing_fund, finess, file_number, lot_sequence,
         lot_number, kind, recipient_id, state, invoice_count, total_billed_cents, total_amo_cents, content, content_sha256,
         close_cause, closed_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'numbered', $12, $13, $14, $15, $16, $17, $18)
       RETURNING ${COLUMNS}`,
      [
        lot.id,
        lot.lotRef,
        lot.emitterId,
        lot.recipient.grandRegime,
        lot.recipient.managingFund,
        lot.finess,
        lot.fileNumber,
        lot.lotSequence,
        lot.lotNumber,
        lot.kind,
        lot.recipientId,
        lot.invoices.length,
        billed,
        amo,
        lot.content,
        createHash('sha256').update(lot.content).digest('hex'),
        lot.closeCause,
        lot.closedBy,
      ],
    );
    await tx.exec(
      `INSERT INTO fides_lot_invoice (lot_id, invoice_id, position, billed_cents, amo_cents)
       SELECT $1, u.invoice_id, u.position, u.billed, u.amo
         FROM unnest($2::uuid[], $3::int[], $4::bigint[], $5::bigint[]) AS u(invoice_id, position, billed, amo)`,
      [
        lot.id,
        lot.invoices.map((i) => i.invoiceId),
        lot.invoices.map((_, n) => n + 1),
        lot.invoices.map((i) => i.billedCents),
        lot.invoices.map((i) => i.amoCents),
      ],
    );
    return row as StoredLot;
  }

  async get(id: string): Promise<StoredLot | undefined> {
    return this.db.one<StoredLot>(`SELECT ${COLUMNS} FROM fides_lot WHERE id = $1`, [id]);
  }

  async byRef(lotRef: string): Promise<StoredLot | undefined> {
    return this.db.one<StoredLot>(`SELECT ${COLUMNS} FROM fides_lot WHERE lot_ref = $1`, [lotRef]);
  }

  /** The frozen B2 bytes. */
  async content(id: string): Promise<Buffer | undefined> {
    return (await this.db.one<{ content: Buffer }>(`SELECT content FROM fides_lot WHERE id = $1`, [id]))?.content;
  }

  /** The lot's invoices in file order. */
  async invoices(lotId: string): Promise<Array<{ invoiceId: string; position: number; billedCents: number; amoCents: number }>> {
    return this.db.rows(
      `SELECT invoice_id AS "invoiceId", position, billed_cents::float8 AS "billedCents", amo_cents::float8 AS "amoCents"
         FROM fides_lot_invoice WHERE lot_id = $1 ORDER BY position`,
      [lotId],
    );
  }

  async list(f: LotFilter): Promise<StoredLot[]> {
    return this.db.rows<StoredLot>(
      `SELECT ${COLUMNS} FROM fides_lot
        WHERE ($1::text IS NULL OR state = $1) AND ($2::text[] IS NULL OR finess = ANY($2))
          AND ($3::int IS NULL OR (state = 'sent' AND arl_status IS NULL AND sent_at < now() - make_interval(hours => $3)))
        ORDER BY created_at DESC, id LIMIT $4`,
      [f.state ?? null, f.finess === 'all' ? null : f.finess, f.arlOverdueHours ?? null, f.limit],
    );
  }

  /** Lots in a state, oldest first (the sweep's work: `numbered` to hand over, `handed-over` to follow). */
  async inState(state: LotState, limit: number): Promise<StoredLot[]> {
    return this.db.rows<StoredLot>(`SELECT ${COLUMNS} FROM fides_lot WHERE state = $1 ORDER BY created_at, id LIMIT $2`, [state, limit]);
  }

  /** numbered → handed-over with its transmission; false when another worker did it first. */
  async handedOver(id: string, transmissionId: string): Promise<boolean> {
    return (
      (await this.db.exec(
        `UPDATE fides_lot SET state = 'handed-over', transmission_id = $2, handed_over_at = now(), updated_at = now()
          WHERE id = $1 AND state = 'numbered'`,
        [id, transmissionId],
      )) === 1
    );
  }

  /** handed-over → sent, in the caller's transaction (with its invoices); false when already done. */
  async sent(tx: SqlExecutor, id: string, t: { possibleDuplicate: boolean; sentAt: Date | null }): Promise<boolean> {
    return (
      (await tx.exec(
        `UPDATE fides_lot SET state = 'sent', possible_duplicate = $2, sent_at = COALESCE($3, now()), updated_at = now()
          WHERE id = $1 AND state = 'handed-over'`,
        [id, t.possibleDuplicate, t.sentAt],
      )) === 1
    );
  }

  /**
   * Lots a return settled before their send was recorded — the process died between the channel's answer and its
   * record, or the ARL beat the sweep — recognised by their unknown send time (settleLot does not invent one). Their
   * transmission is still followed (two days at most: its retries end well before) so that the
   * lot gets its possible_duplicate mark and its real send time (sendRecordedLate).
   */
  async settledBeforeSent(limit: number): Promise<StoredLot[]> {
    return this.db.rows<StoredLot>(
      `SELECT ${COLUMNS} FROM fides_lot
        WHERE state IN ('acknowledged', 'refused') AND transmission_id IS NOT NULL AND sent_at IS NULL
          AND acknowledged_at > now() - interval '2 days'
        ORDER BY acknowledged_at, id LIMIT $1`,
      [limit],
    );
  }

  /** A settled lot's transmission outcome, once known: the possible_duplicate mark and when it was sent. */
  async sendRecordedLate(id: string, t: { possibleDuplicate: boolean; sentAt: Date }): Promise<boolean> {
    return (
      (await this.db.exec(
        `UPDATE fides_lot SET possible_duplicate = possible_duplicate OR $2, sent_at = $3, updated_at = now()
          WHERE id = $1 AND state IN ('acknowledged', 'refused') AND sent_at IS NULL`,
        [id, t.possibleDuplicate, t.sentAt],
      )) === 1
    );
  }

  /** How many lots are `sent` longer than `hours` without an ARL (metric and /health). */
  async arlOverdue(hours: number): Promise<number> {
    const row = await this.db.one<{ n: number }>(
      `SELECT count(*)::int AS n FROM fides_lot WHERE state = 'sent' AND arl_status IS NULL AND sent_at < now() - make_interval(hours => $1)`,
      [hours],
    );
    return row?.n ?? 0;
  }

  /** Lots still `numbered` (not handed over) this many minutes after closing: no transport, or hand-over failing. */
  async stuckNumbered(minutes: number): Promise<number> {
    const row = await this.db.one<{ n: number }>(
      `SELECT count(*)::int AS n FROM fides_lot WHERE state = 'numbered' AND created_at < now() - make_interval(mins => $1)`,
      [minutes],
    );
    return row?.n ?? 0;
  }

  /** Lots per state, for the gauge. */
  async counts(): Promise<Record<LotState, number>> {
    const rows = await this.db.rows<{ state: LotState; n: number }>(`SELECT state, count(*)::int AS n FROM fides_lot GROUP BY state`);
    const out = Object.fromEntries(LOT_STATES.map((s) => [s, 0])) as Record<LotState, number>;
    for (const r of rows) out[r.state] = r.n;
    return out;
  }
}
