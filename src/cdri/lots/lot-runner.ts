import { type AppLogger } from '../../observability/logger';
import { type BackendQueue } from '../../queue/queue-backend';
import type { LotItemJob } from '../cdri.queues';
import { lotProgress } from './lot-progress';
import { type Lot, type LotStore } from './lot.store';

export interface LotExecution {
  /** Lot-exchange mode: runs (or resumes) the whole exchange; resolves when every item has a result. */
  runExchange(lot: Lot): Promise<void>;
}

const ENQUEUE_PAGE = 1000;
/**
 * The first page is small so that the insurer slots fill at once. Measured (night-lot bench, 20,000 patients, a
 * loaded machine): a first page of 1,000 jobs put the first answer 3.7 s after the lot started, while queuing the
 * whole lot took 19 s — queuing runs well ahead of the insurer's 250/s, only its start delays the lot. 200 jobs
 * cover the worker's job concurrency (1.5 × the insurer cap of 50, plus 4) with room to spare.
 */
const FIRST_ENQUEUE_PAGE = 200;
const PROGRESS_LOG_EVERY_MS = 10000;

/**
 * Drives the lots: starts queued lots (one running per establishment), hands their items to the fan-out queue
 * or to the lot exchange, watches progress (logged every 10 s) and closes a lot once no item is pending.
 * Everything it knows is in the database, so a restarted process picks up running lots where they stood.
 */
export class LotRunner {
  private timer?: NodeJS.Timeout;
  private running = false;
  private readonly launched = new Set<string>();
  private readonly lastLog = new Map<string, number>();
  private ticking?: Promise<void>;

  constructor(
    private readonly store: LotStore,
    private readonly itemQueue: BackendQueue<LotItemJob>,
    private readonly execution: LotExecution,
    private readonly onCompleted: (lot: Lot) => Promise<void>,
    private readonly log: AppLogger,
    private readonly intervalMs = 1000,
  ) {}

  start(): void {
    this.running = true;
    this.timer = setInterval(() => this.kick(), this.intervalMs);
    this.timer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.timer);
    await this.ticking;
  }

  /** Runs a tick now unless one is in progress. */
  kick(): void {
    if (!this.running || this.ticking) return;
    this.ticking = this.tick()
      .catch((err) => this.log.error({ err }, 'Lot runner tick failed'))
      .finally(() => (this.ticking = undefined));
  }

  private async tick(): Promise<void> {
    for (const finess of await this.store.finessWithQueuedLots()) await this.store.startNext(finess);
    for (const lot of await this.store.running()) {
      if (!this.launched.has(lot.id)) {
        this.launched.add(lot.id);
        await this.launch(lot);
      }
      await this.watch(lot);
    }
  }

  private async launch(lot: Lot): Promise<void> {
    this.log.info({ lotId: lot.id, mode: lot.mode, total: lot.total }, 'CDRi lot running');
    if (lot.mode === 'lot-exchange') {
      this.execution.runExchange(lot).catch((err) => {
        this.launched.delete(lot.id); // retried on a later tick
        this.log.error({ err, lotId: lot.id }, 'Lot exchange interrupted; will resume');
      });
      return;
    }
    // Fan-out: one job per pending item, job id = item id so that a relaunch after a crash adds no duplicate.
    const started = Date.now();
    let after = '00000000-0000-0000-0000-000000000000';
    let queued = 0;
    for (;;) {
      const ids = await this.store.pendingIds(lot.id, after, queued === 0 ? FIRST_ENQUEUE_PAGE : ENQUEUE_PAGE);
      if (ids.length === 0) break;
      await this.itemQueue.addBulk(ids.map((id) => ({ name: 'item', data: { itemId: id }, opts: { jobId: id } })));
      after = ids[ids.length - 1];
      queued += ids.length;
    }
    this.log.info({ lotId: lot.id, queued, queuingMs: Date.now() - started }, 'CDRi lot items queued');
  }

  /**
   * Pending items but no job anywhere in the queue: the jobs were lost (a Redis restart without persistence).
   * The database still knows what is left, so queue it again; answered items are skipped by the processor.
   */
  private async requeueIfLost(lot: Lot, pending: number): Promise<void> {
    const depth = await this.itemQueue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    const queued = Object.values(depth).reduce((a, b) => a + b, 0);
    if (pending > 0 && queued === 0) {
      this.log.warn({ lotId: lot.id, pending }, 'Lot items pending with no queued job: queuing them again');
      await this.launch(lot);
    }
  }

  private async watch(lot: Lot): Promise<void> {
    const counts = await this.store.counts(lot.id);
    const now = Date.now();
    if (counts.pending === 0) {
      // The follow-up (worklist messages) is idempotent and runs before the lot is marked completed, so a crash
      // in between repeats it instead of losing it.
      await this.onCompleted(lot);
      if (await this.store.finish(lot.id, 'completed')) {
        this.launched.delete(lot.id);
        const p = lotProgress(lot, counts);
        this.log.info({ lotId: lot.id, ...counts, ratePerSecond: p.ratePerSecond }, 'CDRi lot completed');
      }
      return;
    }
    if (lot.mode === 'unit-fanout' && this.launched.has(lot.id)) await this.requeueIfLost(lot, counts.pending);
    if (now - (this.lastLog.get(lot.id) ?? 0) >= PROGRESS_LOG_EVERY_MS) {
      this.lastLog.set(lot.id, now);
      const p = lotProgress(lot, counts);
      this.log.info(
        { lotId: lot.id, total: p.total, done: p.done, failed: p.failed, changed: p.changed, percent: p.percent, etaSeconds: p.etaSeconds },
        'CDRi lot progress',
      );
    }
  }
}
