import { randomUUID } from 'node:crypto';
import type { FieldCipher } from '../../persistence/field-cipher';
import type { Sql } from '../../persistence/sql';
import { type ChannelHeader, type ClaimResponseOutcome, MASKED_HEADER_VALUE, type SubscriptionRequest } from './subscription.parser';

/** FieldCipher kind of the stored channel headers (the GAP's credentials). */
const HEADERS_KIND = 'fides-subscription-headers';

export type SubscriptionStatus = 'requested' | 'active' | 'error' | 'off';

export interface StoredSubscription {
  id: string;
  clientId: string;
  /** Establishments whose invoices it follows; scopeAll = every establishment (operators, admins). */
  finess: string[];
  scopeAll: boolean;
  reason: string;
  criteria: string;
  requestInvoiceId?: string;
  outcome?: ClaimResponseOutcome;
  endpoint: string;
  payload?: string;
  headers: ChannelHeader[];
  status: SubscriptionStatus;
  error?: string;
  end?: Date;
  attempts: number;
  cursor: { tx: string; id: string };
  delivered: number;
  lastDeliveredAt?: Date;
  createdAt: Date;
  updatedAt: Date;
}

/** A transition past a subscription's cursor, in delivery order (tx, id). */
export interface PendingTransition {
  tx: string;
  id: string;
  invoiceId: string;
  finess: string;
}

interface Row {
  id: string;
  client_id: string;
  finess: string[];
  scope_all: boolean;
  reason: string;
  criteria: string;
  request_invoice_id: string | null;
  outcome_filter: string | null;
  endpoint: string;
  payload: string | null;
  headers: string | null;
  status: string;
  error: string | null;
  end_at: Date | null;
  attempts: number;
  cursor_tx: string;
  cursor_id: string;
  delivered: string;
  last_delivered_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id, client_id, finess, scope_all, reason, criteria, request_invoice_id, outcome_filter, endpoint, payload, headers,
  status, error, end_at, attempts, cursor_tx::text AS cursor_tx, cursor_id::text AS cursor_id, delivered::text AS delivered,
  last_delivered_at, created_at, updated_at`;

/**
 * The `fides_subscription` table: what the HTTP routes write and the delivery worker reads. Every worker write is
 * conditional on the lease it took (lease_token), so a worker that lost its lease (too slow, or the subscription was
 * deleted) changes nothing.
 */
export class SubscriptionStore {
  constructor(
    private readonly db: Sql,
    private readonly cipher?: FieldCipher,
  ) {}

  /**
   * Creates a subscription whose cursor starts at the oldest transaction still running: it follows the changes from
   * now on (at least once: a change committing as it is created may be notified too). Undefined when the client
   * already holds `maxPerClient` (checked in the same statement; concurrent creations may pass it by their number).
   */
  async create(
    owner: { clientId: string; finess: readonly string[]; scopeAll: boolean },
    req: SubscriptionRequest,
    maxPerClient: number,
  ): Promise<StoredSubscription | undefined> {
    const row = await this.db.one<Row>(
      `INSERT INTO fides_subscription (id, client_id, finess, scope_all, reason, criteria, request_invoice_id, outcome_filter,
         endpoint, payload, headers, status, end_at, cursor_tx, cursor_id)
       SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, pg_snapshot_xmin(pg_current_snapshot()), 0
       WHERE (SELECT count(*) FROM fides_subscription WHERE client_id = $2) < $14
       RETURNING ${COLUMNS}`,
      [
        randomUUID(),
        owner.clientId,
        [...owner.finess],
        owner.scopeAll,
        req.reason,
        req.criteria,
        req.requestInvoiceId ?? null,
        req.outcome ?? null,
        req.endpoint,
        req.payload ?? null,
        this.sealHeaders(req.headers),
        req.status,
        req.end ?? null,
        maxPerClient,
      ],
    );
    return row && this.toSubscription(row);
  }

  async get(id: string): Promise<StoredSubscription | undefined> {
    const row = await this.db.one<Row>(`SELECT ${COLUMNS} FROM fides_subscription WHERE id = $1`, [id]);
    return row && this.toSubscription(row);
  }

  /** A client's subscriptions (or everyone's, for operators: `{ all: true }`), oldest first, optionally of one status. */
  async list(owner: { clientId: string } | { all: true }, status?: SubscriptionStatus): Promise<StoredSubscription[]> {
    const rows = await this.db.rows<Row>(
      `SELECT ${COLUMNS} FROM fides_subscription
       WHERE ($1::text IS NULL OR client_id = $1) AND ($2::text IS NULL OR status = $2)
       ORDER BY created_at, id LIMIT 1000`,
      ['clientId' in owner ? owner.clientId : null, status ?? null],
    );
    return rows.map((r) => this.toSubscription(r));
  }

  /**
   * Replaces what the client controls and re-arms delivery: failures forgotten, due now, the cursor kept — so
   * re-activating an errored subscription redelivers every change it missed. Header values sent back masked keep
   * the stored value of that header.
   */
  async update(id: string, req: SubscriptionRequest, stored: ChannelHeader[]): Promise<StoredSubscription | undefined> {
    const headers = req.headers.map((h) => (h.value === MASKED_HEADER_VALUE ? (stored.find((s) => same(s.name, h.name)) ?? h) : h));
    const row = await this.db.one<Row>(
      `UPDATE fides_subscription SET reason = $2, criteria = $3, request_invoice_id = $4, outcome_filter = $5, endpoint = $6,
         payload = $7, headers = $8, status = $9, end_at = $10, error = NULL, attempts = 0, next_attempt_at = now(),
         lease_token = NULL, lease_until = NULL, updated_at = now()
       WHERE id = $1 RETURNING ${COLUMNS}`,
      [
        id,
        req.reason,
        req.criteria,
        req.requestInvoiceId ?? null,
        req.outcome ?? null,
        req.endpoint,
        req.payload ?? null,
        this.sealHeaders(headers),
        req.status,
        req.end ?? null,
      ],
    );
    return row && this.toSubscription(row);
  }

  async delete(id: string): Promise<boolean> {
    return (await this.db.exec(`DELETE FROM fides_subscription WHERE id = $1`, [id])) === 1;
  }

  /**
   * Leases up to `limit` active subscriptions that are due (not waiting for a retry, not ended, not leased by a live
   * worker): one worker process at a time delivers a subscription, so its notifications leave in order.
   */
  async lease(token: string, leaseMs: number, limit: number): Promise<StoredSubscription[]> {
    const rows = await this.db.rows<Row>(
      `UPDATE fides_subscription SET lease_token = $1, lease_until = now() + $2 * interval '1 millisecond'
       WHERE id IN (
         SELECT id FROM fides_subscription
         WHERE status = 'active' AND next_attempt_at <= now() AND (end_at IS NULL OR end_at > now())
           AND (lease_until IS NULL OR lease_until < now())
         ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
       RETURNING ${COLUMNS}`,
      [token, leaseMs, limit],
    );
    return rows.map((r) => this.toSubscription(r));
  }

  /**
   * Transitions past the cursor written by transactions that have all ended (tx below the snapshot's xmin), in
   * (tx, id) order: nothing can later appear before the last one read (see the migration 1765400000000).
   */
  async pending(s: Pick<StoredSubscription, 'cursor'>, limit: number): Promise<PendingTransition[]> {
    return this.db.rows<PendingTransition>(
      `SELECT t.tx::text AS tx, t.id::text AS id, t.invoice_id AS "invoiceId", i.finess
       FROM invoice_transition t JOIN invoice i ON i.id = t.invoice_id
       WHERE (t.tx, t.id) > ($1::xid8, $2::bigint) AND t.tx < pg_snapshot_xmin(pg_current_snapshot())
       ORDER BY t.tx, t.id LIMIT $3`,
      [s.cursor.tx, s.cursor.id, limit],
    );
  }

  /** Moves the cursor past a delivered (or skipped) transition and extends the lease; false when the lease is lost. */
  async advance(id: string, token: string, to: { tx: string; id: string }, delivered: number, leaseMs: number): Promise<boolean> {
    const n = await this.db.exec(
      `UPDATE fides_subscription SET cursor_tx = $3::xid8, cursor_id = $4, attempts = 0, error = NULL,
         delivered = delivered + $5, last_delivered_at = CASE WHEN $5 > 0 THEN now() ELSE last_delivered_at END,
         lease_until = now() + $6 * interval '1 millisecond'
       WHERE id = $1 AND lease_token = $2 AND (cursor_tx, cursor_id) <= ($3::xid8, $4::bigint)`,
      [id, token, to.tx, to.id, delivered, leaseMs],
    );
    return n === 1;
  }

  /**
   * A failed delivery: one more consecutive attempt, the next one after base × 2^(failures before) capped, or the
   * dead-letter state (`error`) once `maxAttempts` is reached. The cursor stays before the undelivered change.
   * Undefined when the lease was lost.
   */
  async fail(
    id: string,
    token: string,
    reason: string,
    retry: { backoffMs: number; maxBackoffMs: number; maxAttempts: number },
  ): Promise<{ status: SubscriptionStatus; attempts: number } | undefined> {
    const row = await this.db.one<{ status: string; attempts: number }>(
      `UPDATE fides_subscription SET attempts = attempts + 1, error = $3 || (attempts + 1) || ' time(s) in a row',
         status = CASE WHEN attempts + 1 >= $6 THEN 'error' ELSE status END,
         next_attempt_at = now() + LEAST($5::float8, $4::float8 * power(2, LEAST(attempts, 30))) * interval '1 millisecond',
         lease_token = NULL, lease_until = NULL, updated_at = now()
       WHERE id = $1 AND lease_token = $2 RETURNING status, attempts`,
      [id, token, reason, retry.backoffMs, retry.maxBackoffMs, retry.maxAttempts],
    );
    return row ? { status: row.status as SubscriptionStatus, attempts: row.attempts } : undefined;
  }

  async release(id: string, token: string): Promise<void> {
    await this.db.exec(`UPDATE fides_subscription SET lease_token = NULL, lease_until = NULL WHERE id = $1 AND lease_token = $2`, [
      id,
      token,
    ]);
  }

  private sealHeaders(headers: ChannelHeader[]): string | null {
    if (headers.length === 0) return null;
    const json = JSON.stringify(headers);
    return this.cipher ? this.cipher.encryptText(HEADERS_KIND, json) : json;
  }

  private toSubscription(r: Row): StoredSubscription {
    const headers = r.headers
      ? (JSON.parse(this.cipher ? this.cipher.decryptText(HEADERS_KIND, r.headers) : r.headers) as ChannelHeader[])
      : [];
    return {
      id: r.id,
      clientId: r.client_id,
      finess: r.finess,
      scopeAll: r.scope_all,
      reason: r.reason,
      criteria: r.criteria,
      requestInvoiceId: r.request_invoice_id ?? undefined,
      outcome: (r.outcome_filter ?? undefined) as ClaimResponseOutcome | undefined,
      endpoint: r.endpoint,
      payload: r.payload ?? undefined,
      headers,
      status: r.status as SubscriptionStatus,
      error: r.error ?? undefined,
      end: r.end_at ?? undefined,
      attempts: r.attempts,
      cursor: { tx: r.cursor_tx, id: r.cursor_id },
      delivered: Number(r.delivered),
      lastDeliveredAt: r.last_delivered_at ?? undefined,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  }
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
