import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The audit trail: who did what, when. Append-only in the database itself, not only in our code: a trigger refuses
 * UPDATE, DELETE and TRUNCATE. The one way out is `audit_event_expire(keep interval)`, for a retention policy, which
 * refuses to keep less than a year and deletes nothing younger. (The hard guarantee against a hostile DBA session
 * is a separate database role for the gateway without the table's ownership: REVOKE UPDATE, DELETE, TRUNCATE.)
 */
export class AuditEvent1764380000001 implements MigrationInterface {
  name = 'AuditEvent1764380000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_event (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT clock_timestamp(),
        client_id text NOT NULL,
        roles text[] NOT NULL,
        via text NOT NULL CHECK (via IN ('api-key', 'mtls', 'oidc', 'system')),
        action text NOT NULL,
        target text,
        correlation_id text,
        detail jsonb NOT NULL DEFAULT '{}'
      )`);
    await q.query(`CREATE INDEX audit_event_at_idx ON audit_event (at)`);
    await q.query(`
      CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' AND current_setting('passerelle.audit_expire', true) = 'on'
           AND OLD.at < now() - interval '365 days' THEN
          RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(
      `CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()`,
    );
    await q.query(
      `CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()`,
    );
    await q.query(`
      CREATE FUNCTION audit_event_expire(keep interval) RETURNS bigint LANGUAGE plpgsql AS $$
      DECLARE removed bigint;
      BEGIN
        IF keep < interval '365 days' THEN
          RAISE EXCEPTION 'audit events are kept at least 365 days';
        END IF;
        PERFORM set_config('passerelle.audit_expire', 'on', true);
        DELETE FROM audit_event WHERE at < now() - keep;
        GET DIAGNOSTICS removed = ROW_COUNT;
        PERFORM set_config('passerelle.audit_expire', 'off', true);
        RETURN removed;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_event`);
    await q.query(`DROP FUNCTION audit_event_expire(interval)`);
    await q.query(`DROP FUNCTION audit_event_append_only()`);
  }
}
