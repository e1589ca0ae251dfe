import { randomUUID } from 'node:crypto';
import type { FieldCipher } from '../persistence/field-cipher';
import type { Sql } from '../persistence/sql';
import type { InvoiceDraft } from './invoice-draft';
import type { PreflightFinding } from './preflight';
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
  /** Findings of the last pre-flight run of this version (none before it ran). */
  preflight?: readonly PreflightFinding[];
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
  /**
   * A held invoice (`preflight-failed`) whose stored content still hashes to `replacedHash` becomes version + 1 with
   * the new draft, back in `received` (cause `new-version`); the replaced draft is kept in `invoice_version`. Undefined
   * when the invoice is no longer held with that content (another worker or request got there first).
   */
  newVersion(id: string, replacedHash: string, n: NewInvoice): Promise<StoredInvoice | undefined>;
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
  preflight: PreflightFinding[] | null;
}

export const INVOICE_COLUMNS =
  'id, finess, invoice_number, version, source, content_hash, draft, state, submitted_by, received_at, updated_at, preflight';
const COLUMNS = INVOICE_COLUMNS;
export type InvoiceRow = Row;

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

  async newVersion(id: string, replacedHash: string, n: NewInvoice): Promise<StoredInvoice | undefined> {
    const row = await this.db.one<Row>(
      `WITH cur AS (
         SELECT * FROM invoice WHERE id = $1 AND state = 'preflight-failed' AND content_hash = $2 FOR UPDATE),
       kept AS (
         INSERT INTO invoice_version (invoice_id, version, source, content_hash, draft, submitted_by, received_at, preflight)
         SELECT id, version, source, content_hash, draft, submitted_by, received_at, preflight FROM cur),
       up AS (
         UPDATE invoice i SET version = cur.version + 1, source = $3, content_hash = $4, draft = $5, submitted_by = $6,
                received_at = now(), updated_at = now(), state = 'received', preflight = NULL, preflight_at = NULL,
                preflight_lease_until = NULL, rights_check_id = NULL, rights_asked_at = NULL, rights_attempts = 0
           FROM cur WHERE i.id = cur.id
         RETURNING ${COLUMNS.split(', ')
           .map((c) => `i.${c}`)
           .join(', ')}),
       tr AS (
         INSERT INTO invoice_transition (invoice_id, from_state, to_state, cause, actor)
         SELECT id, 'preflight-failed', 'received', 'new-version', $6 FROM up)
       SELECT * FROM up`,
      [id, replacedHash, n.draft.source, n.contentHash, this.seal(n.draft), n.submittedBy],
    );
    return row && this.toInvoice(row);
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

  private seal(draft: InvoiceDraft): string {
    const json = JSON.stringify(draft);
    return this.cipher ? this.cipher.encryptText(DRAFT_KIND, json) : json;
  }

  /** A row read with INVOICE_COLUMNS, draft decrypted (the pre-flight store reads rows of its own). */
  toInvoice(r: Row): StoredInvoice {
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
      preflight: r.preflight ?? undefined,
    };
  }
}

function state(value: string): InvoiceState {
  if (!isInvoiceState(value)) throw new Error(`Unknown invoice state in the database: ${value}`);
  return value;
}
