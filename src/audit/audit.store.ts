import type { Sql } from '../persistence/sql';
import type { AuditEntry, AuditTrail } from './audit-trail';

export interface AuditEvent {
  id: string;
  at: Date;
  clientId: string;
  roles: string[];
  via: string;
  action: string;
  target: string | null;
  correlationId: string | null;
  detail: Record<string, unknown>;
}

export interface AuditPage {
  events: AuditEvent[];
  /** Pass as `before` for the next (older) page; absent on the last page. */
  next?: string;
}

const MAX_TEXT = 200;

/**
 * The `audit_event` table. Rows are only ever inserted: the database refuses UPDATE, DELETE and TRUNCATE (a trigger,
 * see the migration); old rows go only through `audit_event_expire(interval)`, which keeps at least a year.
 */
export class AuditStore implements AuditTrail {
  constructor(private readonly db: Sql) {}

  async record(e: AuditEntry): Promise<void> {
    await this.db.exec(
      `INSERT INTO audit_event (client_id, roles, via, action, target, correlation_id, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        e.actor.clientId.slice(0, MAX_TEXT),
        [...e.actor.roles],
        e.actor.via,
        e.action,
        e.target?.slice(0, MAX_TEXT) ?? null,
        e.correlationId?.slice(0, MAX_TEXT) ?? null,
        JSON.stringify(e.detail ?? {}),
      ],
    );
  }

  /** Newest first, keyset-paged on the id (stable while rows are appended). */
  async page(q: { before?: string; limit: number; action?: string; clientId?: string }): Promise<AuditPage> {
    const rows = await this.db.rows<AuditEvent>(
      `SELECT id::text AS id, at, client_id AS "clientId", roles, via, action, target, correlation_id AS "correlationId", detail
         FROM audit_event
        WHERE ($1::bigint IS NULL OR id < $1::bigint) AND ($2::text IS NULL OR action = $2) AND ($3::text IS NULL OR client_id = $3)
        ORDER BY id DESC LIMIT $4`,
      [q.before ?? null, q.action ?? null, q.clientId ?? null, q.limit + 1],
    );
    const more = rows.length > q.limit;
    const events = more ? rows.slice(0, q.limit) : rows;
    return { events, next: more ? events[events.length - 1].id : undefined };
  }
}
