import type { Principal } from '../access/roles';

/**
 * What is audited: who (client id, roles, how authenticated) did what (an action name from this list), to which
 * target (an id: `Task/…`, a lot reference, a recipient id), when, under which correlation id. Never patient data:
 * `detail` takes short codes and counts (FINESS, channel, number of items), not names or NIRs.
 */
export type AuditAction =
  | 'lot.started'
  | 'lot.csv-uploaded'
  /** FIDES invoices received (a Claim, a batch Bundle, an RSF import): counts and FINESS, never patient data. */
  | 'invoice.received'
  /** FHIR Subscriptions on ClaimResponse: created, updated (re-activated, paused) or deleted (detail.change). */
  | 'subscription.changed'
  /** FIDES lots closed by hand (POST /fides/lots/close): lot refs and counts, never patient data. */
  | 'fides-lot.closed'
  | 'transmission.queued'
  | 'transmission.sent'
  | 'replay'
  | 'purge'
  | 'purge.patient'
  | 'retention.run'
  | 'hl7.conflict-acknowledged'
  | 'hl7.parked-resolved';

export interface AuditActor {
  clientId: string;
  roles: readonly string[];
  via: Principal['via'] | 'system';
}

/** Work the gateway does on its own (schedules, retention): audited under this actor. */
export const SYSTEM_ACTOR: AuditActor = { clientId: 'system', roles: [], via: 'system' };

export interface AuditEntry {
  actor: AuditActor;
  action: AuditAction;
  target?: string;
  correlationId?: string;
  detail?: Record<string, string | number | boolean>;
}

/** The port every part of the gateway records through (HTTP edges, workers, the purge). Append-only. */
export interface AuditTrail {
  record(entry: AuditEntry): Promise<void>;
}

export function actorOf(p: Principal): AuditActor {
  return { clientId: p.clientId, roles: p.roles, via: p.via };
}
