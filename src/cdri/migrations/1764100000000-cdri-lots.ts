import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** Night lots of CDRi checks: planned encounters (from HL7), lots, their items, and the outbound HL7 outbox. */
export class CdriLots1764100000000 implements MigrationInterface {
  name = 'CdriLots1764100000000';

  async up(q: QueryRunner): Promise<void> {
    // Who is expected: filled from A05 (pre-admission) and A04 (external visit), cancelled by A38.
    await q.query(`
      CREATE TABLE planned_encounter (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        finess text NOT NULL,
        visit_number text NOT NULL,
        nir text NOT NULL,
        birth_date date,
        ipp text,
        family_name text,
        given_name text,
        planned_date date NOT NULL,
        source_event text NOT NULL,
        inbox_message_id uuid,
        cancelled_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (finess, visit_number)
      )`);
    await q.query(`CREATE INDEX planned_encounter_date_idx ON planned_encounter (finess, planned_date) WHERE cancelled_at IS NULL`);
    await q.query(`
      CREATE TABLE cdri_lot (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        finess text NOT NULL,
        lot_date date NOT NULL,
        horizon_days int NOT NULL,
        mode text NOT NULL CHECK (mode IN ('unit-fanout', 'lot-exchange')),
        trigger text NOT NULL CHECK (trigger IN ('schedule', 'manual', 'fhir', 'csv')),
        requested_by text NOT NULL,
        state text NOT NULL CHECK (state IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
        total int NOT NULL DEFAULT 0,
        correlation_id text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz
      )`);
    // One running lot per establishment; one scheduled lot per establishment and night.
    await q.query(`CREATE UNIQUE INDEX cdri_lot_one_running_idx ON cdri_lot (finess) WHERE state = 'running'`);
    await q.query(`CREATE UNIQUE INDEX cdri_lot_one_schedule_idx ON cdri_lot (finess, lot_date) WHERE trigger = 'schedule'`);
    await q.query(`
      CREATE TABLE cdri_lot_item (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        lot_id uuid NOT NULL REFERENCES cdri_lot (id),
        nir text NOT NULL,
        birth_date date,
        ipp text,
        family_name text,
        given_name text,
        visit_number text,
        date_of_care date NOT NULL,
        source text NOT NULL,
        state text NOT NULL CHECK (state IN ('pending', 'done', 'failed')),
        rights_status text,
        answer jsonb,
        change text,
        previous_check_id uuid,
        rights_check_id uuid,
        error_code text,
        attempts int NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (lot_id, nir, date_of_care)
      )`);
    await q.query(`CREATE INDEX cdri_lot_item_state_idx ON cdri_lot_item (lot_id, state)`);
    await q.query(`CREATE INDEX cdri_lot_item_change_idx ON cdri_lot_item (lot_id) WHERE change IS NOT NULL AND change <> 'NONE'`);
    // Lot-exchange mode: one row per sub-lot submitted to the insurer, with the poll cursor.
    await q.query(`
      CREATE TABLE cdri_lot_chunk (
        lot_id uuid NOT NULL REFERENCES cdri_lot (id),
        chunk_no int NOT NULL,
        ticket text,
        cursor int NOT NULL DEFAULT 0,
        state text NOT NULL CHECK (state IN ('submitting', 'polling', 'done')),
        PRIMARY KEY (lot_id, chunk_no)
      )`);
    await q.query(`ALTER TABLE cdri_lot_item ADD COLUMN chunk_no int`);
    // HL7 messages we send to the GAP (rights-change A08), stored before sending.
    await q.query(`
      CREATE TABLE outbound_message (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL,
        ref_id uuid NOT NULL,
        control_id text NOT NULL UNIQUE,
        payload bytea NOT NULL,
        state text NOT NULL CHECK (state IN ('pending', 'delivered', 'refused', 'failed')),
        attempts int NOT NULL DEFAULT 0,
        ack_code text,
        detail text,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz,
        UNIQUE (kind, ref_id)
      )`);
    await q.query(`CREATE INDEX outbound_message_pending_idx ON outbound_message (created_at) WHERE state = 'pending'`);
    await q.query(`CREATE INDEX rights_check_answered_idx ON rights_check (nir, answered_at) WHERE state = 'answered'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX rights_check_answered_idx');
    for (const t of ['outbound_message', 'cdri_lot_chunk', 'cdri_lot_item', 'cdri_lot', 'planned_encounter'])
      await q.query(`DROP TABLE ${t}`);
  }
}
