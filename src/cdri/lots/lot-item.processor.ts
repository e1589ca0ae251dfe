import { type Job, UnrecoverableError, Worker } from 'bullmq';
import { type Semaphore } from '../../common/semaphore';
import { type Metrics } from '../../observability/metrics';
import { withCorrelation } from '../../observability/correlation';
import { AmoRightsError, type AmoRightsGateway } from '../amo-rights.port';
import type { LotItemJob } from '../cdri.queues';
import { type LotStore } from './lot.store';
import { classifyChange } from './rights-change';

export interface LotItemProcessorDeps {
  store: LotStore;
  gateway: AmoRightsGateway;
  metrics: Metrics;
  ttlSeconds: number;
  attempts: number;
  /** Caps insurer calls in flight (the insurer's allowance), whatever the worker's job concurrency. */
  insurerSlots: Semaphore;
  /** The worker running this processor, so a 429 can pause it (set once the worker exists). */
  worker: () => { rateLimit(ms: number): Promise<void> } | undefined;
}

/**
 * One patient of a night lot, in fan-out mode. The item row is the truth: an item that is no longer pending
 * (answered before a crash, or by a duplicate job) is never asked again. The insurer sees the item id as the
 * request id, so a retry after a crash between its answer and our commit is recognisably the same question.
 *
 * An insurer 429 pauses the whole worker for the Retry-After delay and puts the job back without spending an
 * attempt (BullMQ RateLimitError): the lot slows down instead of failing. Other transient errors are retried
 * with exponential backoff; the last attempt, or a permanent error, marks the item failed.
 */
export function lotItemProcessor(d: LotItemProcessorDeps) {
  return async (job: Job<LotItemJob>): Promise<string> => {
    const item = await d.store.item(job.data.itemId);
    if (!item || item.state !== 'pending') return 'skipped';
    return withCorrelation(item.correlationId, async () => {
      const previous = await d.store.previousAnswer(item.nir, item.lotStartedAt);
      const started = process.hrtime.bigint();
      try {
        const answer = await d.insurerSlots.run(() =>
          d.gateway.checkRights({
            nir: item.nir,
            birthDate: item.birthDate ?? undefined,
            dateOfCare: item.dateOfCare,
            finess: item.finess,
            correlationId: item.correlationId,
            requestId: item.id,
          }),
        );
        d.metrics.insurerCallDuration.observe({ service: 'cdri-lot', outcome: 'ok' }, Number(process.hrtime.bigint() - started) / 1e9);
        const change = classifyChange(previous?.answer, answer);
        await d.store.answered(item, answer, change, previous?.id, d.ttlSeconds);
        return change;
      } catch (err) {
        if (!(err instanceof AmoRightsError)) throw err;
        d.metrics.insurerCallDuration.observe({ service: 'cdri-lot', outcome: err.code }, Number(process.hrtime.bigint() - started) / 1e9);
        d.metrics.insurerErrors.inc({ service: 'cdri-lot', code: err.code });
        if (err.code === 'INSURER_RATE_LIMITED') {
          // The insurer's own Retry-After; 1 s when it gave none (the pause is repeated if it is still busy).
          await d.worker()?.rateLimit(err.retryAfterMs ?? 1000);
          throw Worker.RateLimitError();
        }
        if (err.transient && job.attemptsMade + 1 < d.attempts) throw err;
        await d.store.failed(item.id, err.code);
        throw new UnrecoverableError(err.code);
      }
    });
  };
}
