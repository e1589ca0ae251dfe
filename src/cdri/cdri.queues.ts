import type { AppConfig } from '../config/app-config';
import { defineQueue, exponentialRetries } from '../queue/queue-definition';

/** A queued AMO rights check (HL7 admissions); the job id is the check id. */
export interface CdriCheckJob {
  checkId: string;
  correlationId: string;
  /** Milliseconds since epoch when queued, to measure queue wait. */
  queuedAt: number;
}

/** One patient of a night lot, in fan-out mode; the job id is the item id. */
export interface LotItemJob {
  itemId: string;
}

export interface LotTriggerJob {
  finess: string;
}

const HOUR_S = 3600;

/** CDRi's queues, their job data and default job options, in one place. */
export function cdriQueues(config: AppConfig) {
  const common = config.cdri.common;
  return {
    check: defineQueue<CdriCheckJob>('cdri-check', {
      ...exponentialRetries(common.jobAttempts, common.jobBackoffMs),
      // Completed ids are kept a day (a replayed HL7 dispatch finds its job and adds nothing); failures a week.
      removeOnComplete: { age: 24 * HOUR_S, count: 100_000 },
      removeOnFail: { age: 7 * 24 * HOUR_S },
    }),
    lotItem: defineQueue<LotItemJob>('cdri-lot-item', {
      ...exponentialRetries(config.lots.attempts, config.lots.backoffMs),
      // The item row is the record; jobs are only carriers, so few are kept.
      removeOnComplete: { count: 1000 },
      removeOnFail: { count: 10_000 },
    }),
    lotTrigger: defineQueue<LotTriggerJob>('cdri-lot-trigger'),
  };
}

export type CdriQueues = ReturnType<typeof cdriQueues>;
