import { type Job } from 'bullmq';
import { type AuditEntry, type AuditTrail } from '../../audit/audit-trail';
import type { LotTriggerJob } from '../cdri.queues';
import type { CreateLotUseCase } from '../lots/create-lot.use-case';
import type { Lot } from '../lots/lot.store';
import { lotTriggerProcessor } from './lot-trigger.processor';

/** Tonight's lot, made once: the first call creates it under its correlation id, later calls find it. */
function oneLotPerNight(): Pick<CreateLotUseCase, 'planNight'> {
  let lot: Lot | undefined;
  return {
    planNight: async (finess, trigger, requestedBy, correlationId) => {
      lot ??= { id: 'lot-1', finess, trigger, requestedBy, correlationId, total: 12 } as unknown as Lot;
      return lot;
    },
  };
}

describe('lotTriggerProcessor', () => {
  it('audits a scheduled lot as started by the system once, not again when the schedule fires twice', async () => {
    const entries: AuditEntry[] = [];
    const audit: AuditTrail = { record: async (e) => void entries.push(e) };
    const run = lotTriggerProcessor(oneLotPerNight() as CreateLotUseCase, audit);
    const job = { data: { finess: '010000024' } } as Job<LotTriggerJob>;

    expect(await run(job)).toBe('lot-1');
    expect(await run(job)).toBe('lot-1');

    expect(entries).toEqual([
      expect.objectContaining({
        actor: { clientId: 'system', roles: [], via: 'system' },
        action: 'lot.started',
        target: 'Task/lot-1',
        detail: { finess: '010000024', trigger: 'schedule', items: 12 },
      }),
    ]);
  });
});
