import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * FIDES pre-flight (issue 9 §2):
 * - on `invoice`, the findings of the last pre-flight run (a JSON array of {code, field, severity, message}: rule
 *   codes, field paths and our message templates, never a value of the draft) and when it ran; a lease so that
 *   several workers share the invoices to check and a crashed one's come back; the CDRi check the invoice waits for
 *   and how many it has asked (the check's idempotency key counts them, so a retry after a crash asks nothing new);
 * - `invoice_version`: the drafts a corrected invoice replaced (a held invoice comes back as a new version of the
 *   same number), encrypted like the invoice's own draft and kept with it;
 * - `rights_check.source` learns `fides` (a check asked by billing pre-flight; the table is shared plumbing).
 */
export class Preflight1765100000000 implements MigrationInterface {
  name = 'Preflight1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE invoice
        ADD COLUMN preflight jsonb,
        ADD COLUMN preflight_at timestamptz,
        ADD COLUMN preflight_lease_until timestamptz,
        ADD COLUMN rights_check_id uuid,
        ADD COLUMN rights_asked_at timestamptz,
        ADD COLUMN rights_attempts integer NOT NULL DEFAULT 0`);
    await q.query(`
      CREATE TABLE invoice_version (
        invoice_id uuid NOT NULL REFERENCES invoice (id) ON DELETE CASCADE,
        version integer NOT NULL,
        source text NOT NULL,
        content_hash text NOT NULL,
        draft text NOT NULL,
        submitted_by text NOT NULL,
        received_at timestamptz NOT NULL,
        preflight jsonb,
        replaced_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (invoice_id, version)
      )`);
    await q.query(`ALTER TABLE rights_check DROP CONSTRAINT rights_check_source_check`);
    await q.query(`ALTER TABLE rights_check ADD CONSTRAINT rights_check_source_check CHECK (source IN ('hl7', 'fhir', 'batch', 'fides'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM rights_check WHERE source = 'fides'`);
    await q.query(`ALTER TABLE rights_check DROP CONSTRAINT rights_check_source_check`);
    await q.query(`ALTER TABLE rights_check ADD CONSTRAINT rights_check_source_check CHECK (source IN ('hl7', 'fhir', 'batch'))`);
    await q.query(`DROP TABLE invoice_version`);
    await q.query(`
      ALTER TABLE invoice
        DROP COLUMN preflight, DROP COLUMN preflight_at, DROP COLUMN preflight_lease_until,
        DROP COLUMN rights_check_id, DROP COLUMN rights_asked_at, DROP COLUMN rights_attempts`);
  }
}
