import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * With encryption at rest on (DATA_MASTER_KEYS), an inbox message's raw bytes and facts are envelopes: a patient's
 * messages are found for erasure by a keyed pseudonym of the NIR (docs/decisions/0006), never by decrypting every row.
 */
export class InboxPseudonym1764300000000 implements MigrationInterface {
  name = 'InboxPseudonym1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE inbox_message ADD COLUMN nir_pseudonym bytea`);
    await q.query(`CREATE INDEX inbox_message_nir_pseudonym_idx ON inbox_message (nir_pseudonym) WHERE nir_pseudonym IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX inbox_message_nir_pseudonym_idx`);
    await q.query(`ALTER TABLE inbox_message DROP COLUMN nir_pseudonym`);
  }
}
