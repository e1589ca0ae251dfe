import type { Sql } from '../persistence/sql';
import { assertTransition, type InvoiceState } from './invoice-state';
import { INVOICE_COLUMNS, type InvoiceRow, type InvoiceStore, type StoredInvoice } from './invoice.store';
import type { HeldInvoice, InvoiceNumberRegistryPort, PreflightFinding } from './preflight';

/** An invoice taken by a pre-flight worker, with the CDRi check it waits for (if any). */
export interface LeasedInvoice extends StoredInvoice {
  rightsCheckId?: string;
  rightsAskedAt?: Date;
  /** Checks asked for this version so far: the next check's idempotency key counts on from it. */
  rightsAttempts: number;
}

/** The CDRi check an invoice waits for, written with its state. */
export interface AwaitedCheck {
  checkId: string;
  askedAt: Date;
  attempts: number;
}

/** What the pre-flight worker needs from the store (the unit tier gives an in-memory one). */
export type PreflightStorePort = Pick<InvoicePreflightStore, 'lease' | 'settle' | 'snooze' | 'isInvoiceNumberTaken'>;

type LeasedRow = InvoiceRow & { rights_check_id: string | null; rights_asked_at: Date | null; rights_attempts: number };

/**
 * Pre-flight's side of the `invoice` table: taking invoices to check (a lease, so that several worker processes share
 * them and a crashed worker's invoices come back once the lease runs out), writing the outcome with its transition,
 * the invoice-number registry, and the held invoices of the worklist.
 */
export class InvoicePreflightStore implements InvoiceNumberRegistryPort {
  constructor(
    private readonly db: Sql,
    private readonly invoices: InvoiceStore,
  ) {}

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
        RETURNING ${INVOICE_COLUMNS}, rights_check_id, rights_asked_at, rights_attempts`,
      [state, limit, String(leaseMs)],
    );
    return rows.map((r) => ({
      ...this.invoices.toInvoice(r),
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
        ? await this.db.rows<InvoiceRow>(
            `SELECT ${INVOICE_COLUMNS} FROM invoice WHERE state = 'preflight-failed' ORDER BY updated_at, id LIMIT $1`,
            [limit],
          )
        : await this.db.rows<InvoiceRow>(
            `SELECT ${INVOICE_COLUMNS} FROM invoice WHERE state = 'preflight-failed' AND finess = ANY($1) ORDER BY updated_at, id LIMIT $2`,
            [finess, limit],
          );
    return rows.map((r) => {
      const inv = this.invoices.toInvoice(r);
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
