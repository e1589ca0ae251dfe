import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * FIDES returns (ARL, NOEMIE RSP) and what they settle (src/fides/returns/RETURNS.md).
 *
 * - fides_return: one row per return file handed to the flow (id = the returns intake's inbound_return id), with
 *   what happened to it: `applied`, `error` (nothing of it applied; code and detail say why, never a NIR) or
 *   `duplicate` (same content identity as an applied one: nothing applied again). The content identity — kind,
 *   emitting caisse (grand régime + caisse) and the 000's returnFileId — is unique among applied returns, so a return
 *   file re-dropped (re-encrypted, so a new inbound row) is applied once.
 * - fides_payment: the transfers (220) an RSP announces, with the lot and FINESS they pay.
 * - invoice_outcome: what an RSP said of an invoice: paid, partly paid, warned or rejected, what we billed the AMO,
 *   what was paid, the payment, the reject code and wording, the motives (210) and the amount-mismatch flag.
 */
export class FidesReturns1765300000000 implements MigrationInterface {
  name = 'FidesReturns1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE fides_return (
        id uuid PRIMARY KEY,
        kind text NOT NULL,
        file_name text NOT NULL,
        lot_ref text,
        emitter_regime text,
        emitter_fund text,
        return_file_id text,
        status text NOT NULL CHECK (status IN ('applied', 'error', 'duplicate')),
        error_code text,
        error_detail text,
        duplicate_of uuid REFERENCES fides_return (id),
        lot_id uuid REFERENCES fides_lot (id),
        lines_read integer NOT NULL DEFAULT 0,
        invoices_applied integer NOT NULL DEFAULT 0,
        paid_cents bigint NOT NULL DEFAULT 0,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE UNIQUE INDEX fides_return_identity ON fides_return (kind, emitter_regime, emitter_fund, return_file_id)
      WHERE status = 'applied'`);
    await q.query(`CREATE INDEX fides_return_status_idx ON fides_return (status, received_at)`);
    await q.query(`
      CREATE TABLE fides_payment (
        id uuid PRIMARY KEY,
        return_id uuid NOT NULL REFERENCES fides_return (id),
        lot_id uuid NOT NULL REFERENCES fides_lot (id),
        finess text NOT NULL,
        emitter_regime text NOT NULL,
        emitter_fund text NOT NULL,
        reference text NOT NULL,
        payment_date date NOT NULL,
        amount_cents bigint NOT NULL,
        invoice_count integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX fides_payment_reference_idx ON fides_payment (reference)`);
    await q.query(`CREATE INDEX fides_payment_finess_idx ON fides_payment (finess, created_at)`);
    await q.query(`
      CREATE TABLE invoice_outcome (
        id bigserial PRIMARY KEY,
        invoice_id uuid NOT NULL REFERENCES invoice (id) ON DELETE CASCADE,
        return_id uuid NOT NULL REFERENCES fides_return (id),
        lot_id uuid NOT NULL REFERENCES fides_lot (id),
        payment_id uuid REFERENCES fides_payment (id),
        outcome text NOT NULL CHECK (outcome IN ('paid', 'partly-paid', 'rejected', 'warned')),
        billed_cents bigint NOT NULL,
        caisse_billed_cents bigint NOT NULL,
        paid_cents bigint NOT NULL DEFAULT 0,
        payment_date date,
        payment_reference text,
        reject_code text,
        reject_wording text,
        motives jsonb NOT NULL DEFAULT '[]',
        amount_mismatch boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (invoice_id, return_id)
      )`);
    await q.query(`CREATE INDEX invoice_outcome_invoice_idx ON invoice_outcome (invoice_id, id)`);
    await q.query(`CREATE INDEX invoice_outcome_lot_idx ON invoice_outcome (lot_id)`);
    await q.query(`CREATE INDEX invoice_outcome_payment_idx ON invoice_outcome (payment_id)`);
    await q.query(`CREATE INDEX invoice_outcome_reject_idx ON invoice_outcome (reject_code) WHERE outcome = 'rejected'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE invoice_outcome`);
    await q.query(`DROP TABLE fides_payment`);
    await q.query(`DROP TABLE fides_return`);
  }
}
