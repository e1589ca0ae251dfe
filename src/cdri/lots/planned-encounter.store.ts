import type { Sql } from '../../persistence/sql';

export interface PlannedEncounter {
  finess: string;
  visitNumber: string;
  nir: string;
  birthDate?: string;
  ipp?: string;
  familyName?: string;
  givenName?: string;
  plannedDate: string;
  sourceEvent: string;
  inboxMessageId: string;
}

/**
 * Who is expected, and when: the population of the night lots. A05 (pre-admission) and A04 (external visit)
 * record or move an encounter (keyed by FINESS and visit number, so a corrected A05 replaces the first one);
 * A38 cancels it.
 */
export interface PlannedEncounterStorePort {
  record(e: PlannedEncounter): Promise<void>;
  /** False when there was no planned encounter left to cancel. */
  cancel(finess: string, visitNumber: string): Promise<boolean>;
}

/** SQL of `planned_encounter` (read in bulk by LotStore.addPlannedItems, which copies it into a lot). */
export class PlannedEncounterStore implements PlannedEncounterStorePort {
  constructor(private readonly db: Sql) {}

  async record(e: PlannedEncounter): Promise<void> {
    await this.db.exec(
      `INSERT INTO planned_encounter (finess, visit_number, nir, birth_date, ipp, planned_date, source_event, inbox_message_id, family_name, given_name)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (finess, visit_number) DO UPDATE SET nir = EXCLUDED.nir, birth_date = EXCLUDED.birth_date,
         ipp = EXCLUDED.ipp, family_name = EXCLUDED.family_name, given_name = EXCLUDED.given_name, planned_date = EXCLUDED.planned_date, source_event = EXCLUDED.source_event,
         inbox_message_id = EXCLUDED.inbox_message_id, cancelled_at = NULL, updated_at = now()`,
      [
        e.finess,
        e.visitNumber,
        e.nir,
        e.birthDate ?? null,
        e.ipp ?? null,
        e.plannedDate,
        e.sourceEvent,
        e.inboxMessageId,
        e.familyName ?? null,
        e.givenName ?? null,
      ],
    );
  }

  async cancel(finess: string, visitNumber: string): Promise<boolean> {
    const n = await this.db.exec(
      `UPDATE planned_encounter SET cancelled_at = now(), updated_at = now() WHERE finess = $1 AND visit_number = $2 AND cancelled_at IS NULL`,
      [finess, visitNumber],
    );
    return n > 0;
  }
}
