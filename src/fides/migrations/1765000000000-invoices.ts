import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * FIDES invoices: one row per (FINESS, invoice number) with the canonical draft (a FieldCipher envelope when
 * DATA_MASTER_KEYS is set: it holds NIRs and birth dates), its content hash (idempotent intake) and its state; and
 * every state change with its time, cause and actor. The state names are checked by the state machine in code
 * (invoice-state.ts), not by a CHECK, so that the later steps add states without a migration.
 */
export class Invoices1765000000000 implements MigrationInterface {
  name = 'Invoices1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE invoice (
        id uuid PRIMARY KEY,
        finess text NOT NULL,
        invoice_number text NOT NULL CHECK (invoice_number ~ '^[0-9]{1,9}$' AND invoice_number !~ '^0+$'),
        version integer NOT NULL DEFAULT 1,
        source text NOT NULL,
        content_hash text NOT NULL,
        draft text NOT NULL,
        state text NOT NULL,
        submitted_by text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (finess, invoice_number)
      )`);
    await q.query(`CREATE INDEX invoice_state_idx ON invoice (state, updated_at)`);
    await q.query(`
      CREATE TABLE invoice_transition (
        id bigserial PRIMARY KEY,
        invoice_id uuid NOT NULL REFERENCES invoice (id) ON DELETE CASCADE,
        from_state text,
        to_state text NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        cause text NOT NULL,
        actor text NOT NULL
      )`);
    await q.query(`CREATE INDEX invoice_transition_invoice_idx ON invoice_transition (invoice_id, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE invoice_transition`);
    await q.query(`DROP TABLE invoice`);
  }
}
