import { type RetentionRule } from '../persistence/retention';
import { type Sql } from '../persistence/sql';

/** The database function refuses less (migration 1764380000001): an audit trail shorter than a year proves little. */
const AUDIT_MINIMUM_DAYS = 365;

/**
 * The audit trail holds no patient data (client ids, actions, targets), so it is kept for what an inquiry needs, not
 * for privacy. The table refuses DELETE; the one way out is its `audit_event_expire`, which the retention run calls.
 */
export function auditRetention(db: Sql): RetentionRule {
  return {
    kind: 'audit',
    description: `Audit trail (who did what, when; no patient data); at least ${AUDIT_MINIMUM_DAYS} days whatever RETENTION says`,
    defaultDays: 400,
    purge: async (days) => {
      const keep = Math.max(days, AUDIT_MINIMUM_DAYS);
      const row = await db.one<{ removed: string }>(`SELECT audit_event_expire(make_interval(days => $1)) AS removed`, [keep]);
      return Number(row?.removed ?? 0);
    },
  };
}
