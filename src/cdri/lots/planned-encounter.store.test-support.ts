/** Test support for the unit tier (not built into dist/): the planned-encounter table's rules, in memory. */
import { type PlannedEncounter, type PlannedEncounterStorePort } from './planned-encounter.store';

/** Keyed by FINESS and visit number, like the table: a second record replaces the first, cancel marks it. */
export class InMemoryPlannedEncounterStore implements PlannedEncounterStorePort {
  readonly rows = new Map<string, PlannedEncounter & { cancelled: boolean }>();

  async record(e: PlannedEncounter): Promise<void> {
    this.rows.set(`${e.finess}|${e.visitNumber}`, { ...e, cancelled: false });
  }

  async cancel(finess: string, visitNumber: string): Promise<boolean> {
    const row = this.rows.get(`${finess}|${visitNumber}`);
    if (!row || row.cancelled) return false;
    row.cancelled = true;
    return true;
  }
}
