import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The raw bytes kept in hl7_id_conflict and hl7_parked_message are HL7 messages like the inbox's: with DATA_MASTER_KEYS
 * they are stored encrypted too, so erasure finds them by the keyed pseudonym of the NIR, as in inbox_message
 * (docs/decisions/0006).
 */
export class Hl7SafetyPseudonym1764500000000 implements MigrationInterface {
  name = 'Hl7SafetyPseudonym1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE hl7_id_conflict ADD COLUMN nir_pseudonym bytea`);
    await q.query(`ALTER TABLE hl7_parked_message ADD COLUMN nir_pseudonym bytea`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE hl7_parked_message DROP COLUMN nir_pseudonym`);
    await q.query(`ALTER TABLE hl7_id_conflict DROP COLUMN nir_pseudonym`);
  }
}
