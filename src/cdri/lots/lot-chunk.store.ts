import type { FieldCipher } from '../../persistence/field-cipher';
import type { Sql } from '../../persistence/sql';
import { BIRTH_DATE_KIND } from './planned-encounter.store';

/** A sub-lot submitted to the insurer's batch service, as stored in `cdri_lot_chunk`. */
export interface LotChunk {
  chunkNo: number;
  ticket: string | null;
  cursor: number;
  state: string;
}

/** A pending item of a chunk: what the insurer is asked. */
export interface ChunkItem {
  id: string;
  nir: string;
  birthDate: string | null;
  dateOfCare: string;
}

/**
 * SQL of the lot-exchange mode: `cdri_lot_chunk` and the chunk bookkeeping on `cdri_lot_item` (which chunk an item
 * went in, its per-item transient errors). Part of the lot aggregate; kept apart from LotStore because only the
 * lot-exchange runner uses it. Every statement is guarded, so a replay after a crash is harmless.
 */
export class LotChunkStore {
  constructor(
    private readonly db: Sql,
    /** Birth dates are envelopes when encryption at rest is on (docs/decisions/0006). */
    private readonly cipher?: FieldCipher,
  ) {}

  /** Chunks of a lot not done yet, in order: after a crash they are resubmitted/polled from their stored cursor. */
  async openChunks(lotId: string): Promise<LotChunk[]> {
    const rows = await this.db.rows<{ chunk_no: number; ticket: string | null; cursor: number; state: string }>(
      `SELECT chunk_no, ticket, cursor, state FROM cdri_lot_chunk WHERE lot_id = $1 AND state <> 'done' ORDER BY chunk_no`,
      [lotId],
    );
    return rows.map((r) => ({ chunkNo: r.chunk_no, ticket: r.ticket, cursor: r.cursor, state: r.state }));
  }

  /** Items left pending by their chunk: failed once out of attempts, otherwise freed for a new chunk. */
  async releaseUnanswered(lotId: string, maxAttempts: number): Promise<void> {
    await this.db.exec(
      `UPDATE cdri_lot_item SET state = CASE WHEN attempts >= $2 THEN 'failed' ELSE state END,
              chunk_no = CASE WHEN attempts >= $2 THEN chunk_no ELSE NULL END, updated_at = now()
        WHERE lot_id = $1 AND state = 'pending' AND chunk_no IS NOT NULL`,
      [lotId, maxAttempts],
    );
  }

  /** Puts unassigned pending items into new chunks of `chunkSize`; returns how many chunks were made. */
  async assignNewChunks(lotId: string, chunkSize: number): Promise<number> {
    const rows = await this.db.rows<{ n: number }>(
      `WITH base AS (SELECT COALESCE(max(chunk_no), -1) + 1 AS next FROM cdri_lot_chunk WHERE lot_id = $1),
            numbered AS (SELECT id, (row_number() OVER (ORDER BY id) - 1) / $2 AS k FROM cdri_lot_item
                          WHERE lot_id = $1 AND state = 'pending' AND chunk_no IS NULL),
            assigned AS (UPDATE cdri_lot_item i SET chunk_no = base.next + n.k FROM numbered n, base WHERE i.id = n.id RETURNING i.chunk_no),
            chunks AS (INSERT INTO cdri_lot_chunk (lot_id, chunk_no, state) SELECT DISTINCT $1::uuid, chunk_no, 'submitting' FROM assigned RETURNING 1)
       SELECT count(*)::int AS n FROM chunks`,
      [lotId, chunkSize],
    );
    return rows[0].n;
  }

  async pendingItems(lotId: string, chunkNo: number): Promise<ChunkItem[]> {
    const rows = await this.db.rows<ChunkItem>(
      `SELECT id, nir, birth_date AS "birthDate", to_char(date_of_care, 'YYYY-MM-DD') AS "dateOfCare"
           FROM cdri_lot_item WHERE lot_id = $1 AND chunk_no = $2 AND state = 'pending' ORDER BY id`,
      [lotId, chunkNo],
    );
    const c = this.cipher;
    if (!c) return rows;
    return rows.map((r) => ({ ...r, birthDate: r.birthDate === null ? null : c.decryptText(BIRTH_DATE_KIND, r.birthDate) }));
  }

  async submitted(lotId: string, chunkNo: number, ticket: string): Promise<void> {
    await this.db.exec(`UPDATE cdri_lot_chunk SET ticket = $3, state = 'polling' WHERE lot_id = $1 AND chunk_no = $2`, [
      lotId,
      chunkNo,
      ticket,
    ]);
  }

  async polled(lotId: string, chunkNo: number, cursor: number, state: 'done' | 'polling'): Promise<void> {
    await this.db.exec(`UPDATE cdri_lot_chunk SET cursor = $3, state = $4 WHERE lot_id = $1 AND chunk_no = $2`, [
      lotId,
      chunkNo,
      cursor,
      state,
    ]);
  }

  /** A transient per-item error: counted; the item stays pending and goes into a later chunk. */
  async itemRetryable(itemId: string, code: string): Promise<void> {
    await this.db.exec(`UPDATE cdri_lot_item SET attempts = attempts + 1, error_code = $2 WHERE id = $1 AND state = 'pending'`, [
      itemId,
      code,
    ]);
  }
}
