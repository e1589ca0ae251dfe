import { PlannedEncounters } from '../../cdri/lots/planned-encounters';
import { validateRightsRequest } from '../../cdri/check-rights.use-case';
import { GatewayError } from '../../common/gateway-error';
import { AppLogger } from '../../observability/logger';
import { Sql } from '../../persistence/sql';

/** Facts kept with an accepted ADT message: what the follow-up work needs, without re-parsing. */
export interface StoredAdtFacts {
  event: string;
  nir?: string;
  nirField?: string;
  birthDate?: string;
  dateOfCare?: string;
  finess?: string;
  sendingApplication?: string;
  visitNumber?: string;
  ipp?: string;
  /** PID-5, kept in the database only, for the rights-change A08 that the GAP expects to carry the name. */
  familyName?: string;
  givenName?: string;
}

/** Events whose arrival asks the AMO for the patient's rights on the date of care. */
export const CDRI_TRIGGER_EVENTS = new Set(['A05', 'A01', 'A04']);
/** Events that plan (A05 pre-admission, A04 external visit) or cancel (A38) an encounter for the night lots. */
export const PLANNING_EVENTS = new Set(['A05', 'A04', 'A38']);

/** Only accepted messages with follow-up work go through the outbox; the rest are stored as done. */
export function needsDispatch(facts: StoredAdtFacts): boolean {
  return (CDRI_TRIGGER_EVENTS.has(facts.event) && !!facts.nir) || (PLANNING_EVENTS.has(facts.event) && !!facts.visitNumber);
}

/** Queues pending checks (job id = check id, so queuing twice is harmless). */
export type EnqueueChecks = (checks: Array<{ id: string; correlationId: string }>) => Promise<void>;

const BATCH = 500;

interface Row {
  id: string;
  facts: StoredAdtFacts | null;
  correlation_id: string;
}

/**
 * The HL7 outbox, drained in batches off the ACK path: each accepted message that needs follow-up work is
 * turned into its planned encounter and/or a pending rights check (one multi-row INSERT per batch, idempotent on
 * `hl7:<inbox id>`), the checks are queued in one bulk add, and the batch is marked dispatched. Storing and
 * acknowledging never wait for this; a crash anywhere here is repaired by the next drain, because every step is
 * idempotent and `dispatched_at` is set last. Several worker processes may drain at once for the same reason.
 */
export class AdtDispatcher {
  private readonly planned: PlannedEncounters;
  private draining?: Promise<number>;

  constructor(
    private readonly db: Sql,
    private readonly enqueue: EnqueueChecks,
    private readonly defaultFiness: string,
    private readonly log: AppLogger,
  ) {
    this.planned = new PlannedEncounters(db);
  }

  /** Drains now unless a drain is running; resolves with the number of messages dispatched. */
  drain(): Promise<number> {
    this.draining ??= this.drainAll().finally(() => (this.draining = undefined));
    return this.draining;
  }

  private async drainAll(): Promise<number> {
    let total = 0;
    for (;;) {
      const rows = await this.db.rows<Row>(
        `SELECT id, facts, correlation_id FROM inbox_message WHERE status = 'accepted' AND dispatched_at IS NULL
          ORDER BY received_at LIMIT $1`,
        [BATCH],
      );
      if (rows.length === 0) return total;
      await this.dispatchBatch(rows);
      total += rows.length;
    }
  }

  private async dispatchBatch(rows: Row[]): Promise<void> {
    const checks: Array<{ key: string; correlationId: string; facts: StoredAdtFacts }> = [];
    for (const r of rows) {
      const facts = r.facts ?? { event: 'unknown' };
      await this.plan(r.id, facts);
      if (CDRI_TRIGGER_EVENTS.has(facts.event) && facts.nir) {
        const dateOfCare = facts.dateOfCare ?? new Date().toISOString().slice(0, 10);
        try {
          validateRightsRequest({ nir: facts.nir, nirField: facts.nirField ?? 'PID-3', dateOfCare, birthDate: facts.birthDate });
          checks.push({ key: `hl7:${r.id}`, correlationId: r.correlation_id, facts: { ...facts, dateOfCare } });
        } catch (err) {
          // Validation already ran before the ACK; a failure here is a data problem to see, not to retry forever.
          if (!(err instanceof GatewayError)) throw err;
          this.log.warn({ inboxId: r.id, code: err.code, field: err.field }, 'ADT follow-up not possible');
        }
      }
    }
    if (checks.length > 0) {
      const col = <T>(f: (c: (typeof checks)[number]) => T) => checks.map(f);
      const stored = await this.db.rows<{ id: string; correlation_id: string }>(
        `WITH input AS (
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
             AS t(key, correlation_id, nir, birth_date, date_of_care, finess, requested_by)),
         inserted AS (
           INSERT INTO rights_check (source, requested_by, idempotency_key, correlation_id, nir, birth_date, date_of_care, finess, state)
           SELECT 'hl7', requested_by, key, correlation_id, nir, birth_date::date, date_of_care::date, finess, 'pending' FROM input
           ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, correlation_id)
         SELECT id, correlation_id FROM inserted
         UNION ALL
         SELECT rc.id, rc.correlation_id FROM rights_check rc JOIN input ON rc.idempotency_key = input.key WHERE rc.state = 'pending'`,
        [col((c) => c.key), col((c) => c.correlationId), col((c) => c.facts.nir), col((c) => c.facts.birthDate ?? null),
          col((c) => c.facts.dateOfCare), col((c) => c.facts.finess ?? this.defaultFiness), col((c) => c.facts.sendingApplication ?? 'unknown')],
      );
      await this.enqueue(stored.map((s) => ({ id: s.id, correlationId: s.correlation_id })));
    }
    await this.db.exec(`UPDATE inbox_message SET dispatched_at = now() WHERE id = ANY($1::uuid[])`, [rows.map((r) => r.id)]);
  }

  private async plan(inboxId: string, facts: StoredAdtFacts): Promise<void> {
    if (!PLANNING_EVENTS.has(facts.event) || !facts.visitNumber) return;
    const finess = facts.finess ?? this.defaultFiness;
    if (facts.event === 'A38') {
      await this.planned.cancel(finess, facts.visitNumber);
    } else if (facts.nir && facts.dateOfCare) {
      await this.planned.record({
        finess,
        visitNumber: facts.visitNumber,
        nir: facts.nir,
        birthDate: facts.birthDate,
        ipp: facts.ipp,
        familyName: facts.familyName,
        givenName: facts.givenName,
        plannedDate: facts.dateOfCare,
        sourceEvent: facts.event,
        inboxMessageId: inboxId,
      });
    }
  }

  /**
   * Checks still pending long after their message: their job was lost (a Redis restart without persistence).
   * Queued again under the same job id; a job for an answered check does nothing.
   */
  async requeueStaleChecks(limit = 1000): Promise<number> {
    const stale = await this.db.rows<{ id: string; correlation_id: string }>(
      `SELECT id, correlation_id FROM rights_check WHERE state = 'pending' AND source = 'hl7' AND requested_at < now() - interval '2 minutes'
        ORDER BY requested_at LIMIT $1`,
      [limit],
    );
    if (stale.length) await this.enqueue(stale.map((s) => ({ id: s.id, correlationId: s.correlation_id })));
    return stale.length;
  }
}
