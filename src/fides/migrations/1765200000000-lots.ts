import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * FIDES lots. One physical B2 file per lot, for one (emitter = FINESS juridique, grand régime, caisse gestionnaire)
 * and one billing FINESS géographique — the arrêté of 31/12/2014 allows several lots per file; one lot per file keeps
 * an ARL (which acknowledges a file) and a lot in one-to-one correspondence, so a negative ARL sends back exactly
 * that lot's invoices.
 *
 * - fides_lot_sequence: the gap-free counters per (emitter, recipient). A lot takes its numbers by
 *   `UPDATE … SET last_* = last_* + 1 RETURNING` in the transaction that inserts the lot, its bytes and its invoices,
 *   so a number is used exactly when the lot exists: never skipped, never reused (a rolled-back transaction
 *   returns its number).
 * - fides_lot: the lot, its frozen B2 bytes (written once at numbering, never updated: a trigger refuses it) and
 *   where it stands (numbered → handed-over → sent → acknowledged | refused). `lot_ref` is the transmission's lotRef.
 * - fides_lot_invoice: which invoices a lot holds, in file order. An invoice is in at most one live lot: the
 *   invoice's `lot_id` points to its current lot, set with the ready → in-lot transition, cleared when a negative
 *   ARL sends it back to ready.
 */
export class FidesLots1765200000000 implements MigrationInterface {
  name = 'FidesLots1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE fides_lot_sequence (
        emitter_id text NOT NULL,
        grand_regime text NOT NULL,
        managing_fund text NOT NULL,
        last_file_number bigint NOT NULL DEFAULT 0,
        last_lot_number bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (emitter_id, grand_regime, managing_fund)
      )`);
    await q.query(`
      CREATE TABLE fides_lot (
        id uuid PRIMARY KEY,
        lot_ref text NOT NULL UNIQUE,
        emitter_id text NOT NULL,
        grand_regime text NOT NULL,
        managing_fund text NOT NULL,
        finess text NOT NULL,
        file_number bigint NOT NULL,
        lot_sequence bigint NOT NULL,
        lot_number integer NOT NULL CHECK (lot_number BETWEEN 1 AND 999),
        kind text NOT NULL,
        recipient_id text NOT NULL,
        state text NOT NULL,
        invoice_count integer NOT NULL,
        total_billed_cents bigint NOT NULL,
        total_amo_cents bigint NOT NULL,
        content bytea NOT NULL,
        content_sha256 text NOT NULL,
        close_cause text NOT NULL,
        closed_by text NOT NULL,
        transmission_id uuid,
        possible_duplicate boolean NOT NULL DEFAULT false,
        arl_status text,
        arl_reason text,
        created_at timestamptz NOT NULL DEFAULT now(),
        handed_over_at timestamptz,
        sent_at timestamptz,
        acknowledged_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (emitter_id, grand_regime, managing_fund, file_number),
        UNIQUE (emitter_id, grand_regime, managing_fund, lot_sequence)
      )`);
    await q.query(`CREATE INDEX fides_lot_state_idx ON fides_lot (state, updated_at)`);
    // Once numbered, a lot's bytes never change.
    await q.query(`
      CREATE FUNCTION fides_lot_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.content IS DISTINCT FROM OLD.content OR NEW.content_sha256 IS DISTINCT FROM OLD.content_sha256
           OR NEW.file_number IS DISTINCT FROM OLD.file_number OR NEW.lot_number IS DISTINCT FROM OLD.lot_number THEN
          RAISE EXCEPTION 'fides_lot % is frozen: its number and bytes never change', OLD.id USING ERRCODE = 'P0001';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER fides_lot_frozen BEFORE UPDATE ON fides_lot FOR EACH ROW EXECUTE FUNCTION fides_lot_frozen()`);
    await q.query(`
      CREATE TABLE fides_lot_invoice (
        lot_id uuid NOT NULL REFERENCES fides_lot (id),
        invoice_id uuid NOT NULL REFERENCES invoice (id) ON DELETE CASCADE,
        position integer NOT NULL,
        billed_cents bigint NOT NULL,
        amo_cents bigint NOT NULL,
        PRIMARY KEY (lot_id, invoice_id)
      )`);
    await q.query(`CREATE INDEX fides_lot_invoice_invoice_idx ON fides_lot_invoice (invoice_id)`);
    await q.query(`ALTER TABLE invoice ADD COLUMN lot_id uuid REFERENCES fides_lot (id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE invoice DROP COLUMN lot_id`);
    await q.query(`DROP TABLE fides_lot_invoice`);
    await q.query(`DROP TABLE fides_lot`);
    await q.query(`DROP FUNCTION fides_lot_frozen`);
    await q.query(`DROP TABLE fides_lot_sequence`);
  }
}
