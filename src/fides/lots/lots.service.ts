/**
 * The lot steps together, for the flow, the HTTP routes and the schedule: close (by size, by the daily cut-off, by
 * hand), hand over and follow, and what /health and /metrics say of them. One periodic task runs the schedule in each
 * worker process: every step is row-locked or guarded by state, so several processes at once do each thing once.
 */
import type { Sql } from '../../persistence/sql';
import type { CloseLotsUseCase, CloseRequest, CloseResult, RefusedInvoice, UnroutedGroup } from './close-lots.use-case';
import { lastCutoff } from './lot-clock';
import type { LotHandover, LotSweepResult } from './lot-handover';
import type { LotStore, StoredLot } from './lot.store';

export interface LotScheduleSettings {
  cutoff: string;
  cutoffByFiness: ReadonlyMap<string, string>;
  timeZone: string;
  arlAlertHours: number;
}

export interface ScheduleRunResult {
  bySize: number;
  byCutoff: number;
  /** Invoices left out because B2 cannot carry them (first seen by this process in this run). */
  refused: RefusedInvoice[];
  sweep: LotSweepResult;
}

export class LotsService {
  /** The caisses without a recipient at the last full planning pass (the size pass reads every ready invoice). */
  private unroutedSnapshot: UnroutedGroup[] = [];

  constructor(
    private readonly db: Sql,
    readonly store: LotStore,
    private readonly closer: CloseLotsUseCase,
    private readonly handover: LotHandover,
    private readonly settings: LotScheduleSettings,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get unrouted(): readonly UnroutedGroup[] {
    return this.unroutedSnapshot;
  }

  get arlAlertHours(): number {
    return this.settings.arlAlertHours;
  }

  get transmissionConfigured(): boolean {
    return this.handover.configured;
  }

  /** Closes, then hands the lots made to the outbox at once (a failed hand-over is the sweep's to retry). */
  async close(req: CloseRequest): Promise<CloseResult> {
    const result = await this.closer.close(req);
    const lots: StoredLot[] = [];
    for (const lot of result.lots) lots.push(this.handover.configured ? await this.handover.handOver(lot).catch(() => lot) : lot);
    return { ...result, lots };
  }

  /** One scheduled pass: full lots, then the cut-off of each establishment, then the hand-over and follow-up sweep. */
  async runSchedule(): Promise<ScheduleRunResult> {
    const size = await this.close({ cause: 'size', actor: 'system', fullOnly: true });
    this.unroutedSnapshot = size.unrouted;
    let byCutoff = 0;
    const refused = [...size.refused];
    const now = this.now();
    for (const finess of await this.readyFiness()) {
      const readyBefore = lastCutoff(now, this.settings.cutoffByFiness.get(finess) ?? this.settings.cutoff, this.settings.timeZone);
      const r = await this.close({ cause: 'cutoff', actor: 'system', finess: [finess], readyBefore });
      byCutoff += r.lots.length;
      refused.push(...r.refused);
    }
    return { bySize: size.lots.length, byCutoff, refused, sweep: await this.handover.sweep() };
  }

  /** Establishments with invoices waiting for a lot. */
  private async readyFiness(): Promise<string[]> {
    const rows = await this.db.rows<{ finess: string }>(`SELECT DISTINCT finess FROM invoice WHERE state = 'ready' AND lot_id IS NULL`);
    return rows.map((r) => r.finess).sort();
  }
}
