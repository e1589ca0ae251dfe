import { type Job, UnrecoverableError } from 'bullmq';
import { type AuditTrail, SYSTEM_ACTOR } from '../../audit/audit-trail';
import { newCorrelationId } from '../../observability/correlation';
import type { LotTriggerJob } from '../cdri.queues';
import type { CreateLotUseCase } from '../lots/create-lot.use-case';

/**
 * The night-lot schedule's job: plans tonight's lot of one establishment (idempotent per night). The lot is audited
 * as started by the system once: a second firing for the same night finds the lot made under another correlation id.
 */
export function lotTriggerProcessor(lots: CreateLotUseCase, audit: AuditTrail) {
  return async (job: Job<LotTriggerJob>): Promise<string> => {
    if (!job.data?.finess) throw new UnrecoverableError('night-lot job without finess');
    const correlationId = newCorrelationId();
    const lot = await lots.planNight(job.data.finess, 'schedule', 'scheduler', correlationId);
    if (lot.correlationId === correlationId)
      await audit.record({
        actor: SYSTEM_ACTOR,
        action: 'lot.started',
        target: `Task/${lot.id}`,
        correlationId,
        detail: { finess: lot.finess, trigger: lot.trigger, items: lot.total },
      });
    return lot.id;
  };
}
