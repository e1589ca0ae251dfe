import { type Lot, type LotCounts } from './lot.store';

export interface LotProgress extends LotCounts {
  percent: number;
  /** Items per second since the lot started. */
  ratePerSecond: number;
  /** Seconds left at that rate; undefined before the first answer. */
  etaSeconds?: number;
}

/** Progress from the durable counts alone, so any process (API or worker) computes the same figures. */
export function lotProgress(lot: Lot, counts: LotCounts, now = new Date()): LotProgress {
  const processed = counts.done + counts.failed;
  const percent = counts.total === 0 ? 100 : Math.floor((processed / counts.total) * 1000) / 10;
  const elapsed = lot.startedAt ? (now.getTime() - new Date(lot.startedAt).getTime()) / 1000 : 0;
  const ratePerSecond = elapsed > 0 ? processed / elapsed : 0;
  const etaSeconds = ratePerSecond > 0 ? Math.ceil(counts.pending / ratePerSecond) : undefined;
  return { ...counts, percent, ratePerSecond: Math.round(ratePerSecond * 10) / 10, etaSeconds };
}
