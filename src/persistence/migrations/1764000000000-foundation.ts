import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** Inbox of HL7 messages and AMO rights checks. */
export class Foundation1764000000000 implements MigrationInterface {
  name = 'Foundation1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE inbox_message (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        sending_application text,
        sending_facility text,
        control_id text,
        message_type text,
        event text,
        raw bytea NOT NULL,
        charset text NOT NULL,
        status text NOT NULL CHECK (status IN ('accepted', 'rejected')),
        ack_code text NOT NULL,
        ack bytea NOT NULL,
        correlation_id text NOT NULL,
        facts jsonb,
        dispatched_at timestamptz,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Partial: only accepted messages are deduplicated (see the entity's comment). COALESCE because HL7 allows
    // an empty MSH-3/MSH-4 and NULLs never collide in a unique index.
    await q.query(`
      CREATE UNIQUE INDEX inbox_message_dedup_idx ON inbox_message
        (COALESCE(sending_application, ''), COALESCE(sending_facility, ''), control_id)
        WHERE status = 'accepted'`);
    await q.query(
      `CREATE INDEX inbox_message_dispatch_idx ON inbox_message (received_at) WHERE dispatched_at IS NULL AND status = 'accepted'`,
    );
    await q.query(`
      CREATE TABLE rights_check (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        source text NOT NULL CHECK (source IN ('hl7', 'fhir', 'batch')),
        requested_by text NOT NULL,
        idempotency_key text UNIQUE,
        correlation_id text NOT NULL,
        nir text NOT NULL,
        assure_nir text,
        birth_date date,
        date_of_care date NOT NULL,
        finess text NOT NULL,
        state text NOT NULL CHECK (state IN ('pending', 'answered', 'failed')),
        rights_status text,
        answer jsonb,
        error_code text,
        error_message text,
        attempts int NOT NULL DEFAULT 0,
        requested_at timestamptz NOT NULL DEFAULT now(),
        answered_at timestamptz,
        expires_at timestamptz
      )`);
    await q.query(`CREATE INDEX rights_check_nir_idx ON rights_check (nir, date_of_care)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE rights_check');
    await q.query('DROP TABLE inbox_message');
  }
}
