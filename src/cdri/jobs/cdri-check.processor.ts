import { type Job, UnrecoverableError } from 'bullmq';
import { GatewayError } from '../../common/gateway-error';
import { withCorrelation } from '../../observability/correlation';
import { type AppLogger } from '../../observability/logger';
import { type CheckRightsUseCase } from '../check-rights.use-case';
import type { CdriCheckJob } from '../cdri.queues';

const TRANSIENT = new Set(['INSURER_UNAVAILABLE', 'INSURER_TIMEOUT', 'INSURER_BUSY']);

/**
 * Runs one queued rights check. The stored check is the source of truth: a job for a check that is already
 * answered (a retry after a crash between the insurer's answer and the job's completion) does nothing.
 * Transient insurer errors are rethrown so BullMQ retries with exponential backoff; the last attempt records
 * the failure. Permanent errors stop the retries (UnrecoverableError).
 */
export function cdriCheckProcessor(useCase: CheckRightsUseCase, attempts: number, log: AppLogger) {
  return async (job: Job<CdriCheckJob>): Promise<string> =>
    withCorrelation(job.data.correlationId, async () => {
      const check = await useCase.findById(job.data.checkId);
      if (!check) throw new UnrecoverableError('rights check not found');
      if (check.state !== 'pending') return check.state;
      log.debug({ checkId: check.id, attempt: job.attemptsMade + 1, queueWaitMs: Date.now() - job.data.queuedAt }, 'CDRi check job');
      try {
        const done = await useCase.execute(check, { final: job.attemptsMade + 1 >= attempts });
        return done.state;
      } catch (err) {
        if (err instanceof GatewayError && !TRANSIENT.has(err.code)) throw new UnrecoverableError(err.message);
        throw err;
      }
    });
}
