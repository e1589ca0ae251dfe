import { randomUUID } from 'node:crypto';
import type { FieldCipher } from '../persistence/field-cipher';
import type { Sql, SqlExecutor } from '../persistence/sql';
import { assertTransition, type InvoiceState } from './invoice-state';
import type { HeldInvoice, InvoiceNumberRegistryPort, PreflightFinding } from './preflight';
import {
  type AwaitedCheck,
  INVOICE_COLUMNS as COLUMNS,
  InvoiceRowCodec,
  type InvoiceRow as Row,
  type InvoiceTransition,
  type LeasedInvoice,
  type LeasedInvoiceRow as LeasedRow,
  type NewInvoice,
  type StoredInvoice,
  stateOf as state,
} from './stored-invoice';

export type { AwaitedCheck, InvoiceTransition, LeasedInvoice, NewInvoice, StoredInvoice } from './stored-invoice';

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

/** What the pre-flight worker needs from the store (the unit tier gives an in-memory one). */
export type PreflightStorePort = Pick<InvoiceStore, 'lease' | 'settle' | 'snooze' | 'isInvoiceNumberTaken'>;

/**
 * The `invoice` table and its `invoice_transition` history and `invoice_version` drafts (neither has a life of its
 * own: they are written only with their invoice, in the same statement, so they have no store of their own). The
 * draft is encrypted with DATA_MASTER_KEYS when configured. Pre-flight's share (below `lease`): taking invoices to
 * check (a lease, so that several worker processes share them and a crashed worker's invoices come back once the
 * lease runs out), writing the outcome with its transition, the invoice-number registry, the held invoices.
 */
export class InvoiceStore implements InvoiceStorePort, InvoiceNumberRegistryPort {
  private readonly codec: InvoiceRowCodec;

  constructor(
    private readonly db: Sql,
    cipher?: FieldCipher,
  ) {
    this.codec = new InvoiceRowCodec(cipher);
  }

  /**
   * Stores a new invoice in `received` with its first transition, in one statement; an invoice number already held
   * for that FINESS returns the stored row (`created: false`) for the caller to compare hashes.
   */
  async receive(n: NewInvoice): Promise<{ invoice: StoredInvoice; created: boolean }> {
    const draft = this.codec.seal(n.draft);
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
    if (inserted) return { invoice: this.codec.toInvoice(inserted), created: true };
    const existing = await this.db.one<Row>(`SELECT ${COLUMNS} FROM invoice WHERE finess = $1 AND invoice_number = $2`, [
      n.finess,
      n.invoiceNumber,
    ]);
    // Deleted between the two statements (retention of a final invoice): a new receipt is the honest answer.
    if (!existing) return this.receive(n);
    return { invoice: this.codec.toInvoice(existing), created: false };
  }

  async get(id: string): Promise<StoredInvoice | undefined> {
    const row = await this.db.one<Row>(`SELECT ${COLUMNS} FROM invoice WHERE id = $1`, [id]);
    return row && this.codec.toInvoice(row);
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
    return rows.map((r) => this.codec.toInvoice(r));
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
      [id, replacedHash, n.draft.source, n.contentHash, this.codec.seal(n.draft), n.submittedBy],
    );
    return row && this.codec.toInvoice(row);
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
    return rows.map((r) => this.codec.toInvoice(r));
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
    const byId = new Map(rows.map((r) => [r.id, this.codec.toInvoice(r)]));
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

  // ---- Pre-flight (issue 9 §2): leases, outcomes, the invoice-number registry, the held worklist. ----

  /**
   * Up to `limit` invoices in `state` whose lease is free (oldest change first), leased for `leaseMs`. SKIP LOCKED:
   * two workers never take the same invoice and never wait for each other.
   */
  async lease(state: InvoiceState, limit: number, leaseMs: number): Promise<LeasedInvoice[]> {
    const rows = await this.db.rows<LeasedRow>(
      `UPDATE invoice SET preflight_lease_until = now() + ($3 || ' milliseconds')::interval
        WHERE id IN (SELECT id FROM invoice
                      WHERE state = $1 AND (preflight_lease_until IS NULL OR preflight_lease_until < now())
                      ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED)
        RETURNING ${COLUMNS}, rights_check_id, rights_asked_at, rights_attempts`,
      [state, limit, String(leaseMs)],
    );
    return rows.map((r) => ({
      ...this.codec.toInvoice(r),
      rightsCheckId: r.rights_check_id ?? undefined,
      rightsAskedAt: r.rights_asked_at ?? undefined,
      rightsAttempts: r.rights_attempts,
    }));
  }

  /**
   * Writes a pre-flight outcome: the findings, the awaited check, and the move `from` → `to` with its history line, in
   * one statement; only while the invoice is still `from` at `version`. `to` = `from` (still waiting) keeps the state
   * and lets the invoice be looked at again after `nextLookMs`. False when someone else moved it first.
   */
  async settle(
    inv: Pick<StoredInvoice, 'id' | 'version'>,
    from: InvoiceState,
    to: InvoiceState,
    outcome: { findings: readonly PreflightFinding[]; cause: string; actor: string; check?: AwaitedCheck; nextLookMs?: number },
  ): Promise<boolean> {
    if (from !== to) assertTransition(from, to);
    const params = [
      inv.id,
      inv.version,
      from,
      to,
      JSON.stringify(outcome.findings),
      outcome.check?.checkId ?? null,
      outcome.check?.askedAt ?? null,
      outcome.check?.attempts ?? null,
      String(outcome.nextLookMs ?? 0),
      outcome.cause,
      outcome.actor,
    ];
    const rows = await this.db.rows(
      `WITH up AS (
         UPDATE invoice SET state = $4, preflight = $5::jsonb, preflight_at = now(),
                rights_check_id = COALESCE($6::uuid, rights_check_id), rights_asked_at = COALESCE($7::timestamptz, rights_asked_at),
                rights_attempts = COALESCE($8::int, rights_attempts),
                preflight_lease_until = CASE WHEN $9::bigint > 0 THEN now() + ($9 || ' milliseconds')::interval END,
                updated_at = CASE WHEN $3 = $4 THEN updated_at ELSE now() END
          WHERE id = $1 AND version = $2 AND state = $3 RETURNING id),
       tr AS (
         INSERT INTO invoice_transition (invoice_id, from_state, to_state, cause, actor)
         SELECT id, $3, $4, $10, $11 FROM up WHERE $3 <> $4)
       SELECT id FROM up`,
      params,
    );
    return rows.length === 1;
  }

  /** Looks at a waiting invoice again after `nextLookMs`, nothing else changed (its CDRi check is still pending). */
  async snooze(id: string, nextLookMs: number): Promise<void> {
    await this.db.exec(`UPDATE invoice SET preflight_lease_until = now() + ($2 || ' milliseconds')::interval WHERE id = $1`, [
      id,
      String(nextLookMs),
    ]);
  }

  /**
   * One row per (FINESS, number) (a UNIQUE constraint), versions included: the number is taken by another invoice
   * only when the row holding it is not this version. A later version stored meanwhile answers true, so a stale run
   * never clears an invoice that was replaced under it.
   */
  async isInvoiceNumberTaken(finess: string, number: string, version: number): Promise<boolean> {
    const row = await this.db.one(`SELECT 1 FROM invoice WHERE finess = $1 AND invoice_number = $2 AND version <> $3`, [
      finess,
      number,
      version,
    ]);
    return row !== undefined;
  }

  /** Held invoices (preflight-failed) of these establishments ('all' for operators), oldest first, at most `limit`. */
  async held(finess: readonly string[] | 'all', limit: number): Promise<Array<HeldInvoice & { id: string }>> {
    const rows =
      finess === 'all'
        ? await this.db.rows<Row>(`SELECT ${COLUMNS} FROM invoice WHERE state = 'preflight-failed' ORDER BY updated_at, id LIMIT $1`, [
            limit,
          ])
        : await this.db.rows<Row>(
            `SELECT ${COLUMNS} FROM invoice WHERE state = 'preflight-failed' AND finess = ANY($1) ORDER BY updated_at, id LIMIT $2`,
            [finess, limit],
          );
    return rows.map((r) => {
      const inv = this.codec.toInvoice(r);
      return {
        id: inv.id,
        invoiceNumber: inv.invoiceNumber,
        finess: inv.finess,
        ipp: inv.draft.patient.ipp,
        version: inv.version,
        // The state was entered with the last change: nothing else updates a held invoice.
        since: inv.updatedAt,
        findings: inv.preflight ?? [],
      };
    });
  }
}
