import type { FieldCipher } from '../../persistence/field-cipher';
import type { Sql } from '../../persistence/sql';

/**
 * Names and birth dates are encrypted under kinds shared with cdri_lot_item (not bound to this table), so that a night lot copies them
 * from here in SQL, ciphertext as it is (LotStore.createPlanned).
 */
export const FAMILY_NAME_KIND = 'patient.family_name';
export const GIVEN_NAME_KIND = 'patient.given_name';
export const BIRTH_DATE_KIND = 'patient.birth_date';

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
  constructor(
    private readonly db: Sql,
    /** With keys (DATA_MASTER_KEYS), names and birth dates are stored encrypted (docs/decisions/0006). */
    private readonly cipher?: FieldCipher,
  ) {}

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
        this.seal(BIRTH_DATE_KIND, e.birthDate),
        e.ipp ?? null,
        e.plannedDate,
        e.sourceEvent,
        e.inboxMessageId,
        this.seal(FAMILY_NAME_KIND, e.familyName),
        this.seal(GIVEN_NAME_KIND, e.givenName),
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

  private seal(kind: string, value: string | undefined): string | null {
    if (value === undefined) return null;
    return this.cipher ? this.cipher.encryptText(kind, value) : value;
  }
}
