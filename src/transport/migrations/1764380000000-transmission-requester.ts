import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Who handed each lot over (issue 8, scoped reads): a billing client reads the Tasks of its own transmissions only;
 * operators read all. Null for rows written before the column existed (visible to operators only).
 */
export class TransmissionRequester1764380000000 implements MigrationInterface {
  name = 'TransmissionRequester1764380000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE transmission ADD COLUMN requested_by text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE transmission DROP COLUMN requested_by`);
  }
}
