import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Birth dates of planned encounters and night-lot items become text, so that with encryption at rest
 * (DATA_MASTER_KEYS; docs/decisions/0006) they hold an envelope like the names beside them. Existing dates are kept,
 * written YYYY-MM-DD (read as they are: a value without the envelope prefix is clear text). The borders validate
 * the dates (src/identifiers/calendar-date.ts) before anything is stored.
 */
export class BirthDateText1764400000000 implements MigrationInterface {
  name = 'BirthDateText1764400000000';

  async up(q: QueryRunner): Promise<void> {
    for (const table of ['planned_encounter', 'cdri_lot_item']) {
      await q.query(`ALTER TABLE ${table} ALTER COLUMN birth_date TYPE text USING to_char(birth_date, 'YYYY-MM-DD')`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    // Only clear values convert back; run with the keys removed from the envelopes first.
    for (const table of ['planned_encounter', 'cdri_lot_item']) {
      await q.query(`ALTER TABLE ${table} ALTER COLUMN birth_date TYPE date USING birth_date::date`);
    }
  }
}
