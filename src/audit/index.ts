import { AuditEvent1764380000001 } from './migrations/1764380000001-audit-event';

export { actorOf, SYSTEM_ACTOR, type AuditAction, type AuditActor, type AuditEntry, type AuditTrail } from './audit-trail';
export { AuditStore, type AuditEvent, type AuditPage } from './audit.store';

/** The audit table's schema changes, run with the platform's (src/app/flows.ts). */
export const AUDIT_MIGRATIONS = [AuditEvent1764380000001];
