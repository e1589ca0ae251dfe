import { GatewayError } from '../../common/gateway-error';
import { validateNir } from '../../identifiers';
import { type Hl7Issue } from '../../hl7/hl7-ack';
import { type AcceptedHl7Message, type Hl7Subscription, type StoredAdtFacts } from '../../hl7/inbox/hl7-subscription';
import { type AppLogger } from '../../observability/logger';
import { isIsoDate } from '../../identifiers';
import { validateRightsRequest } from '../check-rights.use-case';
import { type PlannedEncounterStorePort } from '../lots/planned-encounter.store';
import { type PendingHl7Check, type QueuedCheckRef, type RightsCheckStorePort } from '../rights-check.store';

/** Events whose arrival asks the AMO for the patient's rights on the date of care. */
export const CDRI_TRIGGER_EVENTS = new Set(['A05', 'A01', 'A04']);
/** Events that plan (A05 pre-admission, A04 external visit) or cancel (A38) an encounter for the night lots. */
export const PLANNING_EVENTS = new Set(['A05', 'A04', 'A38']);

/** Queues pending checks (job id = check id, so queuing twice is harmless). */
export type EnqueueChecks = (checks: QueuedCheckRef[]) => Promise<void>;

export interface AdmissionsStores {
  rightsChecks: Pick<RightsCheckStorePort, 'insertPendingHl7' | 'stalePendingHl7'>;
  plannedEncounters: PlannedEncounterStorePort;
}

/**
 * CDRi's follow-up of admissions: each wanted message becomes its planned encounter (A05/A04, cancelled by A38)
 * and/or a pending rights check (A05/A01/A04 with a NIR; one multi-row INSERT per batch, idempotent on
 * `hl7:<inbox id>`), and the checks are queued in one bulk add.
 */
export class Hl7AdmissionsSubscription implements Hl7Subscription {
  readonly name = 'cdri-admissions';

  constructor(
    private readonly stores: AdmissionsStores,
    private readonly enqueue: EnqueueChecks,
    private readonly defaultFiness: string,
    private readonly log: AppLogger,
  ) {}

  wants(facts: StoredAdtFacts): boolean {
    return (CDRI_TRIGGER_EVENTS.has(facts.event) && !!facts.nir) || (PLANNING_EVENTS.has(facts.event) && !!facts.visitNumber);
  }

  /**
   * What CDRi cannot do without, whatever the sender's strictness: a valid NIR when the event asks the insurer
   * (A05/A01/A04: AE; elsewhere an invalid NIR is only reported, W), and the visit number when the event plans or
   * cancels an encounter (A05/A04/A38), which is keyed on it.
   */
  requirements(facts: StoredAdtFacts): Hl7Issue[] {
    const issues: Hl7Issue[] = [];
    const nir = facts.nir ? validateNir(facts.nir) : undefined;
    if (nir && !nir.ok) {
      const where = facts.nirField ?? 'PID-3';
      const severity = CDRI_TRIGGER_EVENTS.has(facts.event) ? 'E' : 'W';
      const [segment, field] = [where.slice(0, 3), Number(where.slice(4))];
      issues.push({ segment, sequence: 1, field, code: 102, severity, text: `Invalid NIR in ${where}: ${nir.reason}` });
    }
    if (PLANNING_EVENTS.has(facts.event) && !facts.visitNumber) {
      const text = `PV1-19 (visit number) is required for event ${facts.event}: the planned encounter is keyed on it`;
      issues.push({ segment: 'PV1', sequence: 1, field: 19, code: 101, severity: 'E', text });
    }
    return issues;
  }

  async handle(batch: AcceptedHl7Message[]): Promise<void> {
    const checks: PendingHl7Check[] = [];
    for (const m of batch) {
      const facts = m.facts;
      await this.plan(m.id, facts);
      if (CDRI_TRIGGER_EVENTS.has(facts.event) && facts.nir) {
        const dateOfCare = facts.dateOfCare ?? new Date().toISOString().slice(0, 10);
        try {
          validateRightsRequest({ nir: facts.nir, nirField: facts.nirField ?? 'PID-3', dateOfCare, birthDate: facts.birthDate });
          checks.push({
            idempotencyKey: `hl7:${m.id}`,
            correlationId: m.correlationId,
            nir: facts.nir,
            birthDate: facts.birthDate ?? null,
            dateOfCare,
            finess: facts.finess ?? this.defaultFiness,
            requestedBy: facts.sendingApplication ?? 'unknown',
          });
        } catch (err) {
          // Validation already ran before the ACK; a failure here is a data problem to see, not to retry forever.
          if (!(err instanceof GatewayError)) throw err;
          this.log.warn({ inboxId: m.id, code: err.code, field: err.field }, 'ADT follow-up not possible');
        }
      }
    }
    if (checks.length > 0) await this.enqueue(await this.stores.rightsChecks.insertPendingHl7(checks));
  }

  private async plan(inboxId: string, facts: StoredAdtFacts): Promise<void> {
    if (!PLANNING_EVENTS.has(facts.event) || !facts.visitNumber) return;
    const finess = facts.finess ?? this.defaultFiness;
    if (facts.event === 'A38') {
      await this.stores.plannedEncounters.cancel(finess, facts.visitNumber);
    } else if (facts.nir && facts.dateOfCare) {
      await this.stores.plannedEncounters.record({
        finess,
        visitNumber: facts.visitNumber,
        nir: facts.nir,
        // Only a real day: a PID-7 such as 19800231 passes the HL7 date shape but would fail the lot's checks later.
        birthDate: isIsoDate(facts.birthDate) ? facts.birthDate : undefined,
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
    const stale = await this.stores.rightsChecks.stalePendingHl7(limit);
    if (stale.length) await this.enqueue(stale);
    return stale.length;
  }
}
