/**
 * The statements applying a return, on the transaction of that return (Sql.transaction): bulk invoice transitions
 * with their history lines, and the lot as the returns see it.
 */
import type { SqlExecutor } from '../../persistence/sql';
import { assertTransition, type InvoiceState } from '../invoice-state';

export interface LotRow {
  id: string;
  lot_ref: string;
  emitter_id: string;
  grand_regime: string;
  managing_fund: string;
  finess: string;
  file_number: string;
  lot_number: number;
  state: string;
}

export const LOT_COLUMNS =
  'id, lot_ref, emitter_id, grand_regime, managing_fund, finess, file_number::text AS file_number, lot_number, state';

/** Lot states a return may find: the file left (handed over to the outbox, or recorded as sent). */
export const LOT_AWAITING_RETURN = new Set(['handed-over', 'sent']);

/**
 * Moves every invoice of `ids` that is in `from` to `to`, each with its history line, in one statement; returns the
 * ids moved. `clearLot` empties invoice.lot_id on the way (a negative ARL sends invoices back to be re-lotted).
 */
export async function moveInvoices(
  tx: SqlExecutor,
  ids: readonly string[],
  from: InvoiceState,
  to: InvoiceState,
  cause: string,
  actor: string,
  opts: { clearLot?: boolean } = {},
): Promise<string[]> {
  assertTransition(from, to);
  if (ids.length === 0) return [];
  const rows = await tx.rows<{ id: string }>(
    `WITH up AS (
       UPDATE invoice SET state = $3, updated_at = now()${opts.clearLot ? ', lot_id = NULL' : ''}
       WHERE id = ANY($1::uuid[]) AND state = $2 RETURNING id),
     tr AS (
       INSERT INTO invoice_transition (invoice_id, from_state, to_state, cause, actor)
       SELECT id, $2, $3, $4, $5 FROM up)
     SELECT id FROM up`,
    [ids, from, to, cause, actor],
  );
  return rows.map((r) => r.id);
}

/**
 * Brings invoices of a lot that is known to have arrived up to `acknowledged`: those still `in-lot` (the send was
 * not recorded before a crash) go through `sent`, those `sent` to `acknowledged`. Used by a positive ARL, and by an
 * RSP whose ARL was lost (an answer per invoice proves the file was received and accepted).
 */
export async function acknowledgeInvoices(tx: SqlExecutor, ids: readonly string[], cause: string, actor: string): Promise<void> {
  await moveInvoices(tx, ids, 'in-lot', 'sent', `${cause} (send not recorded)`, actor);
  await moveInvoices(tx, ids, 'sent', 'acknowledged', cause, actor);
}

/** The lot as an ARL (or an RSP standing in for a lost ARL) leaves it. */
export async function settleLot(
  tx: SqlExecutor,
  lotId: string,
  state: 'acknowledged' | 'refused',
  arlStatus: 'positive' | 'negative' | 'implicit',
  reason: string | null,
): Promise<void> {
  await tx.exec(
    `UPDATE fides_lot SET state = $2, arl_status = $3, arl_reason = $4, acknowledged_at = now(), updated_at = now()
     WHERE id = $1`,
    [lotId, state, arlStatus, reason],
  );
}
