import { Sql } from '../../persistence/sql';
import { AppLogger } from '../../observability/logger';
import { AmoRightsLotGateway, LotItemResult } from '../amo-rights.port';
import { LotExecution } from './lot-runner';
import { Lot, LotItem, LotStore } from './lot-store';
import { classifyChange } from './rights-change';

export interface LotExchangeSettings {
  chunkSize: number;
  pollIntervalMs: number;
  maxAttempts: number;
  ttlSeconds: number;
}

const TRANSIENT = new Set(['INSURER_UNAVAILABLE', 'INSURER_TIMEOUT', 'INSURER_RATE_LIMITED']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Lot-exchange mode [modelled]: pending items go to the insurer in sub-lots (chunks) of `chunkSize`, each
 * submitted once under a stable reference (`<lot id>:<chunk no>`, idempotent at the insurer) and polled with a
 * cursor kept in the database. After a crash, a chunk is resubmitted under the same reference (same ticket) and
 * polled from the stored cursor; results for items already answered are ignored. Items that got a transient
 * per-item error go into a new chunk, up to `maxAttempts`.
 */
export class LotExchangeRunner implements LotExecution {
  constructor(
    private readonly db: Sql,
    private readonly store: LotStore,
    private readonly gateway: AmoRightsLotGateway,
    private readonly settings: LotExchangeSettings,
    private readonly log: AppLogger,
    private readonly stopped: () => boolean,
  ) {}

  async runExchange(lot: Lot): Promise<void> {
    while (!this.stopped()) {
      const open = await this.db.rows<{ chunk_no: number; ticket: string | null; cursor: number; state: string }>(
        `SELECT chunk_no, ticket, cursor, state FROM cdri_lot_chunk WHERE lot_id = $1 AND state <> 'done' ORDER BY chunk_no`,
        [lot.id],
      );
      for (const c of open) await this.runChunk(lot, c.chunk_no, c.ticket, c.cursor);
      await this.db.exec(
        `UPDATE cdri_lot_item SET state = CASE WHEN attempts >= $2 THEN 'failed' ELSE state END,
                chunk_no = CASE WHEN attempts >= $2 THEN chunk_no ELSE NULL END, updated_at = now()
          WHERE lot_id = $1 AND state = 'pending' AND chunk_no IS NOT NULL`,
        [lot.id, this.settings.maxAttempts],
      );
      if (!(await this.newChunks(lot))) return;
    }
  }

  /** Puts unassigned pending items into new chunks; false when there is nothing left to send. */
  private async newChunks(lot: Lot): Promise<boolean> {
    const rows = await this.db.rows<{ n: number }>(
      `WITH base AS (SELECT COALESCE(max(chunk_no), -1) + 1 AS next FROM cdri_lot_chunk WHERE lot_id = $1),
            numbered AS (SELECT id, (row_number() OVER (ORDER BY id) - 1) / $2 AS k FROM cdri_lot_item
                          WHERE lot_id = $1 AND state = 'pending' AND chunk_no IS NULL),
            assigned AS (UPDATE cdri_lot_item i SET chunk_no = base.next + n.k FROM numbered n, base WHERE i.id = n.id RETURNING i.chunk_no),
            chunks AS (INSERT INTO cdri_lot_chunk (lot_id, chunk_no, state) SELECT DISTINCT $1::uuid, chunk_no, 'submitting' FROM assigned RETURNING 1)
       SELECT count(*)::int AS n FROM chunks`,
      [lot.id, this.settings.chunkSize],
    );
    return rows[0].n > 0;
  }

  private async runChunk(lot: Lot, chunkNo: number, ticket: string | null, cursor: number): Promise<void> {
    if (!ticket) {
      const items = await this.db.rows<LotItem>(
        `SELECT id, nir, to_char(birth_date, 'YYYY-MM-DD') AS "birthDate", to_char(date_of_care, 'YYYY-MM-DD') AS "dateOfCare"
           FROM cdri_lot_item WHERE lot_id = $1 AND chunk_no = $2 AND state = 'pending' ORDER BY id`,
        [lot.id, chunkNo],
      );
      const queries = items.map((i) => ({
        requestId: i.id, nir: i.nir, birthDate: i.birthDate ?? undefined, dateOfCare: i.dateOfCare, finess: lot.finess, correlationId: lot.correlationId,
      }));
      ({ ticket } = await this.gateway.submitLot(`${lot.id}:${chunkNo}`, lot.finess, queries));
      await this.db.exec(`UPDATE cdri_lot_chunk SET ticket = $3, state = 'polling' WHERE lot_id = $1 AND chunk_no = $2`, [lot.id, chunkNo, ticket]);
      this.log.info({ lotId: lot.id, chunkNo, items: queries.length }, 'CDRi sub-lot submitted');
    }
    while (!this.stopped()) {
      const status = await this.gateway.pollLot(ticket, cursor);
      for (const r of status.results) await this.apply(lot, r);
      cursor = status.cursor;
      await this.db.exec(
        `UPDATE cdri_lot_chunk SET cursor = $3, state = $4 WHERE lot_id = $1 AND chunk_no = $2`,
        [lot.id, chunkNo, cursor, status.state === 'done' ? 'done' : 'polling'],
      );
      if (status.state === 'done') return;
      await sleep(this.settings.pollIntervalMs);
    }
  }

  private async apply(lot: Lot, r: LotItemResult): Promise<void> {
    const item = await this.store.item(r.requestId);
    if (!item || item.state !== 'pending' || item.lotId !== lot.id) return;
    if (r.ok) {
      const previous = await this.store.previousAnswer(item.nir, item.lotStartedAt);
      await this.store.answered(item, r.answer, classifyChange(previous?.answer, r.answer), previous?.id, this.settings.ttlSeconds);
    } else if (TRANSIENT.has(r.code)) {
      await this.db.exec(`UPDATE cdri_lot_item SET attempts = attempts + 1, error_code = $2 WHERE id = $1 AND state = 'pending'`, [item.id, r.code]);
    } else {
      await this.store.failed(item.id, r.code);
    }
  }
}
