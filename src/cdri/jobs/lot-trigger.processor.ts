import { type Job, UnrecoverableError } from 'bullmq';
import { newCorrelationId } from '../../observability/correlation';
import type { LotTriggerJob } from '../cdri.queues';
import type { CreateLotUseCase } from '../lots/create-lot.use-case';

/** The night-lot schedule's job: plans tonight's lot of one establishment (idempotent per night). */
export function lotTriggerProcessor(lots: CreateLotUseCase) {
  return async (job: Job<LotTriggerJob>): Promise<string> => {
    if (!job.data?.finess) throw new UnrecoverableError('night-lot job without finess');
    const lot = await lots.planNight(job.data.finess, 'schedule', 'scheduler', newCorrelationId());
    return lot.id;
  };
}
