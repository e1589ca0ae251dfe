import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * FHIR Subscriptions (rest-hook) on ClaimResponse, and what makes their delivery gap-free.
 *
 * `invoice_transition.tx` is the writing transaction (xid8). `id` alone cannot be a cursor: bigserial values are
 * taken when a row is inserted, not when it commits, so a transition with a smaller id can become visible after a
 * larger one was read, and a cursor past it would skip it for ever. Every transaction below the current snapshot's
 * xmin has ended, so reading only `tx < xmin` in (tx, id) order, a subscription's cursor (cursor_tx, cursor_id) never
 * passes a row that could still appear. The column needs no change to the invoice store: its default fills it.
 *
 * A subscription row: owner (client id) and FINESS scope (empty + scope_all for operators/admins), parsed criteria,
 * channel (endpoint, payload, headers encrypted with DATA_MASTER_KEYS when configured), status requested|active|
 * error|off, consecutive failed attempts and the next attempt time (backoff), a lease so that one worker process at
 * a time delivers a subscription (in order), and the cursor.
 */
export class FidesSubscriptions1765400000000 implements MigrationInterface {
  name = 'FidesSubscriptions1765400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE invoice_transition ADD COLUMN tx xid8 NOT NULL DEFAULT pg_current_xact_id()`);
    await q.query(`CREATE INDEX invoice_transition_tx_idx ON invoice_transition (tx, id)`);
    await q.query(`
      CREATE TABLE fides_subscription (
        id uuid PRIMARY KEY,
        client_id text NOT NULL,
        finess text[] NOT NULL,
        scope_all boolean NOT NULL DEFAULT false,
        reason text NOT NULL,
        criteria text NOT NULL,
        request_invoice_id uuid,
        outcome_filter text,
        endpoint text NOT NULL,
        payload text,
        headers text,
        status text NOT NULL CHECK (status IN ('requested', 'active', 'error', 'off')),
        error text,
        end_at timestamptz,
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        lease_token uuid,
        lease_until timestamptz,
        cursor_tx xid8 NOT NULL,
        cursor_id bigint NOT NULL DEFAULT 0,
        delivered bigint NOT NULL DEFAULT 0,
        last_delivered_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX fides_subscription_client_idx ON fides_subscription (client_id, created_at)`);
    await q.query(`CREATE INDEX fides_subscription_due_idx ON fides_subscription (next_attempt_at) WHERE status = 'active'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE fides_subscription`);
    await q.query(`DROP INDEX invoice_transition_tx_idx`);
    await q.query(`ALTER TABLE invoice_transition DROP COLUMN tx`);
  }
}
