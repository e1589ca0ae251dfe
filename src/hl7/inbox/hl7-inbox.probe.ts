import { type HealthProbe } from '../../observability/health';
import { type Hl7IdConflictStorePort } from './hl7-id-conflict.store';
import { type Hl7ParkedMessageStorePort } from './hl7-parked-message.store';

/**
 * /health entry `hl7-inbox`: degraded while MSH-10 conflicts no operator acknowledged were received in the last
 * `conflictAlertHours` (72 h by default: a weekend), or while parked (poison) messages are unresolved. Counts only.
 * Not critical: the edge still takes messages; someone must look.
 */
export function hl7InboxProbe(
  conflicts: Hl7IdConflictStorePort,
  parked: Hl7ParkedMessageStorePort,
  conflictAlertHours: number,
): HealthProbe {
  return {
    name: 'hl7-inbox',
    critical: false,
    // Two counts on partial indexes: cheap, but still not run for every /health call.
    ttlMs: 1000,
    check: async () => {
      const [open, stuck] = await Promise.all([conflicts.countOpen(conflictAlertHours), parked.countParked()]);
      if (open === 0 && stuck === 0) return { status: 'up' };
      const parts = [];
      if (open > 0) parts.push(`${open} MSH-10 conflict(s) in the last ${conflictAlertHours} h not acknowledged (hl7_id_conflict)`);
      if (stuck > 0) parts.push(`${stuck} parked message(s) to resolve (hl7_parked_message)`);
      return { status: 'degraded', detail: parts.join('; ') };
    },
  };
}
