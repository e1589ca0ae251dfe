import { PlannedEncounterStorePort } from '../../cdri/lots/planned-encounter.store';
import { validateRightsRequest } from '../../cdri/check-rights.use-case';
import { PendingHl7Check, QueuedCheckRef, RightsCheckStorePort } from '../../cdri/rights-check.store';
import { GatewayError } from '../../common/gateway-error';
import { AppLogger } from '../../observability/logger';
import { InboxMessageStorePort, UndispatchedMessage } from './inbox-message.store';

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
export type EnqueueChecks = (checks: QueuedCheckRef[]) => Promise<void>;

/** The three tables the HL7 outbox writes, each through its own store. */
export interface AdtDispatcherStores {
  inbox: Pick<InboxMessageStorePort, 'undispatched' | 'markDispatched'>;
  rightsChecks: Pick<RightsCheckStorePort, 'insertPendingHl7' | 'stalePendingHl7'>;
  plannedEncounters: PlannedEncounterStorePort;
}

const BATCH = 500;

/**
 * The HL7 outbox, drained in batches off the ACK path: each accepted message that needs follow-up work is
 * turned into its planned encounter and/or a pending rights check (one multi-row INSERT per batch, idempotent on
 * `hl7:<inbox id>`), the checks are queued in one bulk add, and the batch is marked dispatched. Storing and
 * acknowledging never wait for this; a crash anywhere here is repaired by the next drain, because every step is
 * idempotent and `dispatched_at` is set last. Several worker processes may drain at once for the same reason.
 */
export class AdtDispatcher {
  private draining?: Promise<number>;

  constructor(
    private readonly stores: AdtDispatcherStores,
    private readonly enqueue: EnqueueChecks,
    private readonly defaultFiness: string,
    private readonly log: AppLogger,
  ) {}

  /** Drains now unless a drain is running; resolves with the number of messages dispatched. */
  drain(): Promise<number> {
    this.draining ??= this.drainAll().finally(() => (this.draining = undefined));
    return this.draining;
  }

  private async drainAll(): Promise<number> {
    let total = 0;
    for (;;) {
      const rows = await this.stores.inbox.undispatched(BATCH);
      if (rows.length === 0) return total;
      await this.dispatchBatch(rows);
      total += rows.length;
    }
  }

  private async dispatchBatch(rows: UndispatchedMessage[]): Promise<void> {
    const checks: PendingHl7Check[] = [];
    for (const r of rows) {
      const facts = (r.facts as StoredAdtFacts | null) ?? { event: 'unknown' };
      await this.plan(r.id, facts);
      if (CDRI_TRIGGER_EVENTS.has(facts.event) && facts.nir) {
        const dateOfCare = facts.dateOfCare ?? new Date().toISOString().slice(0, 10);
        try {
          validateRightsRequest({ nir: facts.nir, nirField: facts.nirField ?? 'PID-3', dateOfCare, birthDate: facts.birthDate });
          checks.push({
            idempotencyKey: `hl7:${r.id}`, correlationId: r.correlationId, nir: facts.nir, birthDate: facts.birthDate ?? null, dateOfCare,
            finess: facts.finess ?? this.defaultFiness, requestedBy: facts.sendingApplication ?? 'unknown',
          });
        } catch (err) {
          // Validation already ran before the ACK; a failure here is a data problem to see, not to retry forever.
          if (!(err instanceof GatewayError)) throw err;
          this.log.warn({ inboxId: r.id, code: err.code, field: err.field }, 'ADT follow-up not possible');
        }
      }
    }
    if (checks.length > 0) await this.enqueue(await this.stores.rightsChecks.insertPendingHl7(checks));
    await this.stores.inbox.markDispatched(rows.map((r) => r.id));
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
    const stale = await this.stores.rightsChecks.stalePendingHl7(limit);
    if (stale.length) await this.enqueue(stale);
    return stale.length;
  }
}
