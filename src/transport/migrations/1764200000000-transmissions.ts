import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Outgoing billing transmissions (the outbox of signed + encrypted lots, one row per lot and recipient, with one
 * row per send attempt) and the insurer returns received (stored raw before anything else is done with them).
 */
export class Transmissions1764200000000 implements MigrationInterface {
  name = 'Transmissions1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE transmission (
        id uuid PRIMARY KEY,
        flow text NOT NULL,
        lot_ref text NOT NULL,
        recipient_id text NOT NULL,
        channel text NOT NULL CHECK (channel IN ('smtp', 'sftp', 'file-drop')),
        recipient text NOT NULL,
        file_name text NOT NULL,
        idempotency_key text NOT NULL UNIQUE,
        spool_path text NOT NULL,
        sha256 text NOT NULL,
        bytes bigint NOT NULL,
        state text NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'acknowledged')),
        attempts int NOT NULL DEFAULT 0,
        possible_duplicate boolean NOT NULL DEFAULT false,
        already_delivered boolean NOT NULL DEFAULT false,
        remote_id text,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz,
        acknowledged_at timestamptz,
        return_received_at timestamptz
      )`);
    // Returns are matched by business lot id; the sweep looks for rows still waiting to be sent.
    await q.query(`CREATE INDEX transmission_lot_ref_idx ON transmission (lot_ref, created_at)`);
    await q.query(`CREATE INDEX transmission_pending_idx ON transmission (created_at) WHERE state IN ('queued', 'sending')`);
    await q.query(`
      CREATE TABLE transmission_attempt (
        id uuid PRIMARY KEY,
        transmission_id uuid NOT NULL REFERENCES transmission (id),
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        outcome text CHECK (outcome IN ('sent', 'already-delivered', 'failed')),
        error text
      )`);
    // "Is an earlier attempt still open?" is asked at the start of every attempt.
    await q.query(`CREATE INDEX transmission_attempt_open_idx ON transmission_attempt (transmission_id) WHERE finished_at IS NULL`);
    await q.query(`
      CREATE TABLE inbound_return (
        id uuid PRIMARY KEY,
        source text NOT NULL,
        file_name text NOT NULL,
        sha256 text NOT NULL,
        bytes bigint NOT NULL,
        lot_ref text,
        transmission_id uuid REFERENCES transmission (id),
        flow text,
        raw bytea NOT NULL,
        content bytea,
        encrypted boolean NOT NULL DEFAULT false,
        signature text NOT NULL DEFAULT 'none' CHECK (signature IN ('none', 'valid', 'invalid')),
        signer text,
        error text,
        route_status text CHECK (route_status IN ('consumed', 'unconsumed', 'not-routed', 'handler-failed')),
        route_attempts int NOT NULL DEFAULT 0,
        received_at timestamptz NOT NULL,
        processed_at timestamptz,
        UNIQUE (source, file_name, sha256)
      )`);
    await q.query(`CREATE INDEX inbound_return_transmission_idx ON inbound_return (transmission_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['inbound_return', 'transmission_attempt', 'transmission']) await q.query(`DROP TABLE ${t}`);
  }
}
