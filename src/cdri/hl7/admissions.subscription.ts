import { GatewayError } from '../../common/gateway-error';
import { AcceptedHl7Message, Hl7Subscription, StoredAdtFacts } from '../../hl7/inbox/hl7-subscription';
import { AppLogger } from '../../observability/logger';
import { Sql } from '../../persistence/sql';
import { validateRightsRequest } from '../check-rights.use-case';
import { PlannedEncounters } from '../lots/planned-encounters';

/** Events whose arrival asks the AMO for the patient's rights on the date of care. */
export const CDRI_TRIGGER_EVENTS = new Set(['A05', 'A01', 'A04']);
/** Events that plan (A05 pre-admission, A04 external visit) or cancel (A38) an encounter for the night lots. */
export const PLANNING_EVENTS = new Set(['A05', 'A04', 'A38']);

/** Queues pending checks (job id = check id, so queuing twice is harmless). */
export type EnqueueChecks = (checks: Array<{ id: string; correlationId: string }>) => Promise<void>;

/**
 * CDRi's follow-up of admissions: each wanted message becomes its planned encounter (A05/A04, cancelled by A38)
 * and/or a pending rights check (A05/A01/A04 with a NIR; one multi-row INSERT per batch, idempotent on
 * `hl7:<inbox id>`), and the checks are queued in one bulk add.
 */
export class Hl7AdmissionsSubscription implements Hl7Subscription {
  readonly name = 'cdri-admissions';
  private readonly planned: PlannedEncounters;

  constructor(
    private readonly db: Sql,
    private readonly enqueue: EnqueueChecks,
    private readonly defaultFiness: string,
    private readonly log: AppLogger,
  ) {
    this.planned = new PlannedEncounters(db);
  }

  wants(facts: StoredAdtFacts): boolean {
    return (CDRI_TRIGGER_EVENTS.has(facts.event) && !!facts.nir) || (PLANNING_EVENTS.has(facts.event) && !!facts.visitNumber);
  }

  async handle(batch: AcceptedHl7Message[]): Promise<void> {
    const checks: Array<{ key: string; correlationId: string; facts: StoredAdtFacts }> = [];
    for (const m of batch) {
      const facts = m.facts;
      await this.plan(m.id, facts);
      if (CDRI_TRIGGER_EVENTS.has(facts.event) && facts.nir) {
        const dateOfCare = facts.dateOfCare ?? new Date().toISOString().slice(0, 10);
        try {
          validateRightsRequest({ nir: facts.nir, nirField: facts.nirField ?? 'PID-3', dateOfCare, birthDate: facts.birthDate });
          checks.push({ key: `hl7:${m.id}`, correlationId: m.correlationId, facts: { ...facts, dateOfCare } });
        } catch (err) {
          // Validation already ran before the ACK; a failure here is a data problem to see, not to retry forever.
          if (!(err instanceof GatewayError)) throw err;
          this.log.warn({ inboxId: m.id, code: err.code, field: err.field }, 'ADT follow-up not possible');
        }
      }
    }
    if (checks.length === 0) return;
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
