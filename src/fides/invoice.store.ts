import { randomUUID } from 'node:crypto';
import type { FieldCipher } from '../persistence/field-cipher';
import type { Sql, SqlExecutor } from '../persistence/sql';
import type { InvoiceDraft } from './invoice-draft';
import { assertTransition, type InvoiceState, isInvoiceState } from './invoice-state';

/** FieldCipher kind of the stored draft (NIRs, birth dates, IPP). */
const DRAFT_KIND = 'fides-invoice-draft';

export interface StoredInvoice {
  id: string;
  finess: string;
  invoiceNumber: string;
  version: number;
  source: InvoiceDraft['source'];
  contentHash: string;
  draft: InvoiceDraft;
  state: InvoiceState;
  submittedBy: string;
  receivedAt: Date;
  updatedAt: Date;
}

export interface InvoiceTransition {
  from: InvoiceState | null;
  to: InvoiceState;
  at: Date;
  cause: string;
  actor: string;
}

export interface NewInvoice {
  finess: string;
  invoiceNumber: string;
  draft: InvoiceDraft;
  contentHash: string;
  submittedBy: string;
  /** Why it was received (`fhir-claim`, `fhir-batch`, `rsf-import`): the first transition's cause. */
  cause: string;
}

export interface InvoiceStorePort {
  receive(n: NewInvoice): Promise<{ invoice: StoredInvoice; created: boolean }>;
  get(id: string): Promise<StoredInvoice | undefined>;
  byNumber(invoiceNumber: string, finess: readonly string[] | 'all'): Promise<StoredInvoice[]>;
  transition(id: string, from: InvoiceState, to: InvoiceState, cause: string, actor: string): Promise<boolean>;
  transitions(id: string): Promise<InvoiceTransition[]>;
}

interface Row {
  id: string;
  finess: string;
  invoice_number: string;
  version: number;
  source: string;
  content_hash: string;
  draft: string;
  state: string;
  submitted_by: string;
  received_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, finess, invoice_number, version, source, content_hash, draft, state, submitted_by, received_at, updated_at';

/**
 * The `invoice` table and its `invoice_transition` history (the history has no life of its own: it is written only
 * with its invoice's state, in the same statement, so it has no store of its own). The draft is encrypted with
 * DATA_MASTER_KEYS when configured.
 */
export class InvoiceStore implements InvoiceStorePort {
  constructor(
    private readonly db: Sql,
    private readonly cipher?: FieldCipher,
  ) {}

  /**
   * Stores a new invoice in `received` with its first transition, in one statement; an invoice number already held
   * for that FINESS returns the stored row (`created: false`) for the caller to compare hashes.
   */
  async receive(n: NewInvoice): Promise<{ invoice: StoredInvoice; created: boolean }> {
    const draft = this.seal(n.draft);
    const inserted = await this.db.one<Row>(
      `WITH ins AS (
         INSERT INTO invoice (id, finess, invoice_number, source, content_hash, draft, state, submitted_by)
         VALUES ($1, $2, $3, $4, $5, $6, 'received', $7)
         ON CONFLICT (finess, invoice_number) DO NOTHING
         RETURNING ${COLUMNS}),
       tr AS (
         INSERT INTO invoice_transition (invoice_id, from_state, to_state, cause, actor)
         SELECT id, NULL, 'received', $8, $7 FROM ins)
       SELECT * FROM ins`,
      [randomUUID(), n.finess, n.invoiceNumber, n.draft.source, n.contentHash, draft, n.submittedBy, n.cause],
    );
    if (inserted) return { invoice: this.toInvoice(inserted), created: true };
    const existing = await this.db.one<Row>(`SELECT ${COLUMNS} FROM invoice WHERE finess = $1 AND invoice_number = $2`, [
      n.finess,
      n.invoiceNumber,
    ]);
    // Deleted between the two statements (retention of a final invoice): a new receipt is the honest answer.
    if (!existing) return this.receive(n);
    return { invoice: this.toInvoice(existing), created: false };
  }

  async get(id: string): Promise<StoredInvoice | undefined> {
    const row = await this.db.one<Row>(`SELECT ${COLUMNS} FROM invoice WHERE id = $1`, [id]);
    return row && this.toInvoice(row);
  }

  /** The invoices holding this number in the establishments given ('all' for operators); at most one per FINESS. */
  async byNumber(invoiceNumber: string, finess: readonly string[] | 'all'): Promise<StoredInvoice[]> {
    const rows =
      finess === 'all'
        ? await this.db.rows<Row>(`SELECT ${COLUMNS} FROM invoice WHERE invoice_number = $1 ORDER BY finess LIMIT 1000`, [invoiceNumber])
        : await this.db.rows<Row>(`SELECT ${COLUMNS} FROM invoice WHERE invoice_number = $1 AND finess = ANY($2) ORDER BY finess`, [
            invoiceNumber,
            finess,
          ]);
    return rows.map((r) => this.toInvoice(r));
  }

  /**
   * Moves an invoice from `from` to `to` with its history line, atomically; false when it is no longer in `from`
   * (another worker moved it first). An illegal transition throws before touching the database.
   */
  async transition(id: string, from: InvoiceState, to: InvoiceState, cause: string, actor: string): Promise<boolean> {
    assertTransition(from, to);
    const moved = await this.db.rows(
      `WITH up AS (
         UPDATE invoice SET state = $3, updated_at = now() WHERE id = $1 AND state = $2 RETURNING id),
       tr AS (
         INSERT INTO invoice_transition (invoice_id, from_state, to_state, cause, actor)
         SELECT id, $2, $3, $4, $5 FROM up)
       SELECT id FROM up`,
      [id, from, to, cause, actor],
    );
    return moved.length === 1;
  }

  async transitions(id: string): Promise<InvoiceTransition[]> {
    const rows = await this.db.rows<{ from_state: string | null; to_state: string; at: Date; cause: string; actor: string }>(
      `SELECT from_state, to_state, at, cause, actor FROM invoice_transition WHERE invoice_id = $1 ORDER BY id`,
      [id],
    );
    return rows.map((r) => ({
      from: r.from_state === null ? null : state(r.from_state),
      to: state(r.to_state),
      at: r.at,
      cause: r.cause,
      actor: r.actor,
    }));
  }

  // ---- Lots (issue 9 §3): reading `ready` invoices and moving many at once inside the lot's transaction. ----

  /**
   * One page of the `ready` invoices not in a lot, by id (keyset: pass the last id of a page as `afterId`), for lot
   * planning; no lock: the lot's transaction locks and re-reads them (lockReady).
   */
  async readyForLots(opts: { finess?: readonly string[]; readyBefore?: Date; afterId?: string; limit: number }): Promise<StoredInvoice[]> {
    const rows = await this.db.rows<Row>(
      `SELECT ${COLUMNS} FROM invoice
        WHERE state = 'ready' AND lot_id IS NULL
          AND ($1::text[] IS NULL OR finess = ANY($1)) AND ($2::timestamptz IS NULL OR updated_at <= $2)
          AND ($3::uuid IS NULL OR id > $3)
        ORDER BY id LIMIT $4`,
      [opts.finess ?? null, opts.readyBefore ?? null, opts.afterId ?? null, opts.limit],
    );
    return rows.map((r) => this.toInvoice(r));
  }

  /**
   * Locks the given invoices that are still `ready` and in no lot (FOR UPDATE SKIP LOCKED: an invoice another closer
   * holds is left to it), in the order of `ids`. Inside the lot's transaction.
   */
  async lockReady(tx: SqlExecutor, ids: readonly string[]): Promise<StoredInvoice[]> {
    const rows = await tx.rows<Row>(
      `SELECT ${COLUMNS} FROM invoice WHERE id = ANY($1) AND state = 'ready' AND lot_id IS NULL ORDER BY id FOR UPDATE SKIP LOCKED`,
      [ids],
    );
    const byId = new Map(rows.map((r) => [r.id, this.toInvoice(r)]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  /**
   * Moves many invoices from `from` to `to`, each with its history line, in the caller's transaction; `lotId` sets
   * (a lot id) or clears (null) the invoice's lot when given. Returns the ids moved (those still in `from`).
   */
  async transitionMany(
    tx: SqlExecutor,
    ids: readonly string[],
    move: { from: InvoiceState; to: InvoiceState; cause: string; actor: string; lotId?: string | null },
  ): Promise<string[]> {
    assertTransition(move.from, move.to);
    const rows = await tx.rows<{ id: string }>(
      `WITH up AS (
         UPDATE invoice SET state = $3, updated_at = now(), lot_id = CASE WHEN $6 THEN $7::uuid ELSE lot_id END
          WHERE id = ANY($1) AND state = $2 RETURNING id),
       tr AS (
         INSERT INTO invoice_transition (invoice_id, from_state, to_state, cause, actor)
         SELECT id, $2, $3, $4, $5 FROM up)
       SELECT id FROM up`,
      [ids, move.from, move.to, move.cause, move.actor, move.lotId !== undefined, move.lotId ?? null],
    );
    return rows.map((r) => r.id);
  }

  private seal(draft: InvoiceDraft): string {
    const json = JSON.stringify(draft);
    return this.cipher ? this.cipher.encryptText(DRAFT_KIND, json) : json;
  }

  private toInvoice(r: Row): StoredInvoice {
    const json = this.cipher ? this.cipher.decryptText(DRAFT_KIND, r.draft) : r.draft;
    return {
      id: r.id,
      finess: r.finess,
      invoiceNumber: r.invoice_number,
      version: r.version,
      source: r.source === 'rsf' ? 'rsf' : 'fhir-claim',
      contentHash: r.content_hash,
      draft: JSON.parse(json) as InvoiceDraft,
      state: state(r.state),
      submittedBy: r.submitted_by,
      receivedAt: r.received_at,
      updatedAt: r.updated_at,
    };
  }
}

function state(value: string): InvoiceState {
  if (!isInvoiceState(value)) throw new Error(`Unknown invoice state in the database: ${value}`);
  return value;
}
