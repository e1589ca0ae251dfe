import { type AppLogger } from '../../observability/logger';
import { type AmoRightsLotGateway, type LotItemResult } from '../amo-rights.port';
import { type LotExecution } from './lot-runner';
import { type LotChunkStore } from './lot-chunk.store';
import { type Lot, type LotStore } from './lot.store';
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
    private readonly chunks: LotChunkStore,
    private readonly store: LotStore,
    private readonly gateway: AmoRightsLotGateway,
    private readonly settings: LotExchangeSettings,
    private readonly log: AppLogger,
    private readonly stopped: () => boolean,
  ) {}

  async runExchange(lot: Lot): Promise<void> {
    while (!this.stopped()) {
      const open = await this.chunks.openChunks(lot.id);
      for (const c of open) await this.runChunk(lot, c.chunkNo, c.ticket, c.cursor);
      await this.chunks.releaseUnanswered(lot.id, this.settings.maxAttempts);
      if ((await this.chunks.assignNewChunks(lot.id, this.settings.chunkSize)) === 0) return;
    }
  }

  private async runChunk(lot: Lot, chunkNo: number, ticket: string | null, cursor: number): Promise<void> {
    if (!ticket) {
      const items = await this.chunks.pendingItems(lot.id, chunkNo);
      const queries = items.map((i) => ({
        requestId: i.id,
        nir: i.nir,
        birthDate: i.birthDate ?? undefined,
        dateOfCare: i.dateOfCare,
        finess: lot.finess,
        correlationId: lot.correlationId,
      }));
      ({ ticket } = await this.gateway.submitLot(`${lot.id}:${chunkNo}`, lot.finess, queries));
      await this.chunks.submitted(lot.id, chunkNo, ticket);
      this.log.info({ lotId: lot.id, chunkNo, items: queries.length }, 'CDRi sub-lot submitted');
    }
    while (!this.stopped()) {
      const status = await this.gateway.pollLot(ticket, cursor);
      for (const r of status.results) await this.apply(lot, r);
      cursor = status.cursor;
      await this.chunks.polled(lot.id, chunkNo, cursor, status.state === 'done' ? 'done' : 'polling');
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
      await this.chunks.itemRetryable(item.id, r.code);
    } else {
      await this.store.failed(item.id, r.code);
    }
  }
}
