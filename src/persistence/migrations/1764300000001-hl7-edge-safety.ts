import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * HL7 edge safety (issue 8):
 * - inbox_message.content_hash: SHA-256 of the message without MSH-7, so that a repeat of an accepted
 *   (MSH-3, MSH-4, MSH-10) is told apart: a true resend (same hash) gets the original ACK, anything else is a conflict;
 * - hl7_id_conflict: the messages that reused an accepted MSH-10 with other content, refused AR and kept for audit
 *   until an operator acknowledges them (acknowledged_at); original_id is set to NULL when a retention purge removes
 *   the original (the conflict, with its own raw bytes, stays until purged in turn);
 * - hl7_parked_message: attempts per message hash for messages whose handling fails (not a storage outage); after
 *   HL7_POISON_MAX_ATTEMPTS the message is parked here, raw bytes included, for an operator (resolved_at).
 */
export class Hl7EdgeSafety1764300000001 implements MigrationInterface {
  name = 'Hl7EdgeSafety1764300000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE inbox_message ADD COLUMN content_hash text`);
    await q.query(`
      CREATE TABLE hl7_id_conflict (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        sending_application text,
        sending_facility text,
        control_id text NOT NULL,
        original_id uuid REFERENCES inbox_message (id) ON DELETE SET NULL,
        content_hash text NOT NULL,
        raw bytea NOT NULL,
        charset text NOT NULL,
        ack bytea NOT NULL,
        correlation_id text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        acknowledged_at timestamptz
      )`);
    await q.query(`CREATE INDEX hl7_id_conflict_open_idx ON hl7_id_conflict (received_at) WHERE acknowledged_at IS NULL`);
    await q.query(`
      CREATE TABLE hl7_parked_message (
        content_hash text PRIMARY KEY,
        sending_application text,
        sending_facility text,
        control_id text,
        attempts int NOT NULL,
        last_error text NOT NULL,
        raw bytea,
        first_seen_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        parked_at timestamptz,
        resolved_at timestamptz
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE hl7_parked_message');
    await q.query('DROP TABLE hl7_id_conflict');
    await q.query('ALTER TABLE inbox_message DROP COLUMN content_hash');
  }
}
