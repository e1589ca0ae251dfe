import type { Sql } from '../persistence/sql';
import type { AmoRightsAnswer, RightsStatus } from './amo-rights.port';

export type RightsCheckState = 'pending' | 'answered' | 'failed';
/** `fides`: asked by FIDES pre-flight before an invoice may leave (issue 9 §2). */
export type RightsCheckSource = 'hl7' | 'fhir' | 'batch' | 'fides';

/**
 * One rights question to the AMO and its answer (a `rights_check` row): who asked, when, what the insurer said,
 * until when it holds. Stored answers are history, never served as fresh: readers get `answeredAt` and `expiresAt`.
 */
export interface RightsCheck {
  id: string;
  source: RightsCheckSource;
  /** Kiosk id, HL7 sending application, or lot id. */
  requestedBy: string;
  /** Makes a repeated request (same HL7 message, same FHIR request id, same lot item) yield the same check. */
  idempotencyKey: string | null;
  correlationId: string;
  nir: string;
  assureNir: string | null;
  birthDate: string | null;
  dateOfCare: string;
  finess: string;
  state: RightsCheckState;
  rightsStatus: RightsStatus | null;
  answer: AmoRightsAnswer | null;
  errorCode: string | null;
  errorMessage: string | null;
  attempts: number;
  requestedAt: Date;
  answeredAt: Date | null;
  expiresAt: Date | null;
}

/** A kiosk check asked and answered (or failed) before anything was stored: written in one commit. */
export type CompletedCheck = Pick<
  RightsCheck,
  | 'id'
  | 'source'
  | 'requestedBy'
  | 'idempotencyKey'
  | 'correlationId'
  | 'nir'
  | 'assureNir'
  | 'birthDate'
  | 'dateOfCare'
  | 'finess'
  | 'rightsStatus'
  | 'answer'
  | 'errorCode'
  | 'errorMessage'
  | 'requestedAt'
  | 'answeredAt'
  | 'expiresAt'
> & { state: 'answered' | 'failed' };

/** A check the HL7 outbox asks for; `idempotencyKey` is `hl7:<inbox id>`. */
export interface PendingHl7Check {
  idempotencyKey: string;
  correlationId: string;
  nir: string;
  birthDate: string | null;
  dateOfCare: string;
  finess: string;
  requestedBy: string;
}

/** A check FIDES pre-flight asks for; `idempotencyKey` names the invoice version and its attempt. */
export interface PendingBillingCheck {
  idempotencyKey: string;
  correlationId: string;
  nir: string;
  assureNir: string | null;
  birthDate: string | null;
  dateOfCare: string;
  finess: string;
  requestedBy: string;
}

/** What a queue needs to (re)run a pending check. */
export interface QueuedCheckRef {
  id: string;
  correlationId: string;
}

/** The only way in and out of `rights_check`. Use cases depend on this, the unit tier on an in-memory copy. */
export interface RightsCheckStorePort {
  findById(id: string): Promise<RightsCheck | undefined>;
  findByIdempotencyKey(key: string): Promise<RightsCheck | undefined>;
  /** Inserts a completed kiosk check; undefined when its idempotency key is already taken (a concurrent twin). */
  insertCompleted(c: CompletedCheck): Promise<RightsCheck | undefined>;
  /** pending → answered; a check no longer pending is left alone. */
  recordAnswer(id: string, answer: AmoRightsAnswer, answeredAt: Date, expiresAt: Date): Promise<void>;
  /** Counts a failed attempt; `final` also moves pending → failed. */
  recordFailure(id: string, code: string, message: string, final: boolean): Promise<void>;
  /** Pending HL7 checks, idempotent on their key: returns the new ones and those already pending under the same key. */
  insertPendingHl7(checks: PendingHl7Check[]): Promise<QueuedCheckRef[]>;
  /** HL7 checks still pending two minutes after they were asked for (their job was lost), oldest first. */
  stalePendingHl7(limit: number): Promise<QueuedCheckRef[]>;
  /** A patient's most recent check from one source, whatever its state (the demo watches its checks get answered). */
  latestFor(nir: string, source: RightsCheckSource): Promise<RightsCheck | undefined>;
  /** The last answer known before `before`, any source: what tonight's answer is compared with. */
  latestAnsweredBefore(nir: string, before: Date): Promise<{ id: string; answer: AmoRightsAnswer } | undefined>;
}

const COLUMNS = `id, source, requested_by AS "requestedBy", idempotency_key AS "idempotencyKey", correlation_id AS "correlationId",
  nir, assure_nir AS "assureNir", to_char(birth_date, 'YYYY-MM-DD') AS "birthDate", to_char(date_of_care, 'YYYY-MM-DD') AS "dateOfCare",
  finess, state, rights_status AS "rightsStatus", answer, error_code AS "errorCode", error_message AS "errorMessage", attempts,
  requested_at AS "requestedAt", answered_at AS "answeredAt", expires_at AS "expiresAt"`;

/**
 * The rights_check row of a night-lot item's answer, as a CTE body. Not a method: LotStore.answered runs it inside
 * the statement that marks the item done, so the item and its history row commit together in one round trip (the
 * lot's hot path). It reads the locked item from the CTE `pending` and the caller's placeholders: $1 item id,
 * $2 lot id, $3 correlation id, $4 NIR, $5 birth date, $6 date of care, $7 FINESS, $8 rights status, $9 answer,
 * $10 TTL in seconds. Returns the new check's id (none when the item's check exists already).
 */
export const INSERT_LOT_ITEM_CHECK = `INSERT INTO rights_check (source, requested_by, idempotency_key, correlation_id, nir, birth_date, date_of_care,
                     finess, state, rights_status, answer, attempts, requested_at, answered_at, expires_at)
                   SELECT 'batch', 'lot:' || $2, 'lot-item:' || $1, $3, $4, $5::date, $6::date, $7, 'answered', $8, $9::jsonb, 1,
                          now(), now(), now() + ($10 || ' seconds')::interval
                     FROM pending
                   ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`;

/** SQL of `rights_check`. Raw SQL on the pool: the kiosk path and the HL7 outbox are hot (see persistence/sql.ts). */
export class RightsCheckStore implements RightsCheckStorePort {
  constructor(private readonly db: Sql) {}

  async findById(id: string): Promise<RightsCheck | undefined> {
    return this.db.one<RightsCheck>(`SELECT ${COLUMNS} FROM rights_check WHERE id = $1`, [id]);
  }

  async findByIdempotencyKey(key: string): Promise<RightsCheck | undefined> {
    return this.db.one<RightsCheck>(`SELECT ${COLUMNS} FROM rights_check WHERE idempotency_key = $1`, [key]);
  }

  async insertCompleted(c: CompletedCheck): Promise<RightsCheck | undefined> {
    return this.db.one<RightsCheck>(
      `INSERT INTO rights_check (id, source, requested_by, idempotency_key, correlation_id, nir, assure_nir, birth_date, date_of_care,
         finess, state, rights_status, answer, error_code, error_message, attempts, requested_at, answered_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 1, $16, $17, $18)
       ON CONFLICT (idempotency_key) DO NOTHING RETURNING ${COLUMNS}`,
      [
        c.id,
        c.source,
        c.requestedBy,
        c.idempotencyKey,
        c.correlationId,
        c.nir,
        c.assureNir,
        c.birthDate,
        c.dateOfCare,
        c.finess,
        c.state,
        c.rightsStatus,
        c.answer ? JSON.stringify(c.answer) : null,
        c.errorCode,
        c.errorMessage,
        c.requestedAt,
        c.answeredAt,
        c.expiresAt,
      ],
    );
  }

  async recordAnswer(id: string, answer: AmoRightsAnswer, answeredAt: Date, expiresAt: Date): Promise<void> {
    await this.db.exec(
      `UPDATE rights_check SET state = 'answered', rights_status = $2, answer = $3, answered_at = $4, expires_at = $5,
              error_code = NULL, error_message = NULL, attempts = attempts + 1
        WHERE id = $1 AND state = 'pending'`,
      [id, answer.status, JSON.stringify(answer), answeredAt, expiresAt],
    );
  }

  async recordFailure(id: string, code: string, message: string, final: boolean): Promise<void> {
    await this.db.exec(
      final
        ? `UPDATE rights_check SET state = 'failed', error_code = $2, error_message = $3, attempts = attempts + 1 WHERE id = $1 AND state = 'pending'`
        : `UPDATE rights_check SET error_code = $2, error_message = $3, attempts = attempts + 1 WHERE id = $1 AND state = 'pending'`,
      [id, code, message],
    );
  }

  /** One multi-row INSERT per batch (unnest), plus the already pending twins, in one statement. */
  async insertPendingHl7(checks: PendingHl7Check[]): Promise<QueuedCheckRef[]> {
    const col = <T>(f: (c: PendingHl7Check) => T) => checks.map(f);
    const rows = await this.db.rows<{ id: string; correlation_id: string }>(
      `WITH input AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
           AS t(key, correlation_id, nir, birth_date, date_of_care, finess, requested_by)),
       inserted AS (
         INSERT INTO rights_check (source, requested_by, idempotency_key, correlation_id, nir, birth_date, date_of_care, finess, state)
         SELECT 'hl7', requested_by, key, correlation_id, nir, birth_date::date, date_of_care::date, finess, 'pending' FROM input
         ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, correlation_id)
       SELECT id, correlation_id FROM inserted
       UNION ALL
       SELECT rc.id, rc.correlation_id FROM rights_check rc JOIN input ON rc.idempotency_key = input.key WHERE rc.state = 'pending'`,
      [
        col((c) => c.idempotencyKey),
        col((c) => c.correlationId),
        col((c) => c.nir),
        col((c) => c.birthDate),
        col((c) => c.dateOfCare),
        col((c) => c.finess),
        col((c) => c.requestedBy),
      ],
    );
    return rows.map((r) => ({ id: r.id, correlationId: r.correlation_id }));
  }

  async stalePendingHl7(limit: number): Promise<QueuedCheckRef[]> {
    const rows = await this.db.rows<{ id: string; correlation_id: string }>(
      `SELECT id, correlation_id FROM rights_check WHERE state = 'pending' AND source = 'hl7' AND requested_at < now() - interval '2 minutes'
        ORDER BY requested_at LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ id: r.id, correlationId: r.correlation_id }));
  }

  async latestFor(nir: string, source: RightsCheckSource): Promise<RightsCheck | undefined> {
    return this.db.one<RightsCheck>(
      `SELECT ${COLUMNS} FROM rights_check WHERE nir = $1 AND source = $2 ORDER BY requested_at DESC LIMIT 1`,
      [nir, source],
    );
  }

  /** The most recent answer for that beneficiary, any source, with when it was given (pre-flight judges its age). */
  async latestAnswered(nir: string, birthDate?: string): Promise<{ id: string; answer: AmoRightsAnswer; answeredAt: Date } | undefined> {
    // An answer asked for another birth date under the same NIR is another beneficiary's (one asked without any is the
    // insurer's answer for the NIR's holder, as the kiosk and lots ask).
    return this.db.one<{ id: string; answer: AmoRightsAnswer; answeredAt: Date }>(
      `SELECT id, answer, answered_at AS "answeredAt" FROM rights_check
        WHERE nir = $1 AND state = 'answered' AND ($2::date IS NULL OR birth_date IS NULL OR birth_date = $2::date)
        ORDER BY answered_at DESC LIMIT 1`,
      [nir, birthDate ?? null],
    );
  }

  /** A pending billing check, idempotent on its key: the new one, or the one already stored under the key. */
  async insertPendingBilling(c: PendingBillingCheck): Promise<{ id: string; correlationId: string; state: RightsCheckState }> {
    const row = await this.db.one<{ id: string; correlation_id: string; state: RightsCheckState }>(
      `WITH ins AS (
         INSERT INTO rights_check (source, requested_by, idempotency_key, correlation_id, nir, assure_nir, date_of_care, finess, state, birth_date)
         VALUES ('fides', $1, $2, $3, $4, $5, $6::date, $7, 'pending', $8::date)
         ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, correlation_id, state)
       SELECT id, correlation_id, state FROM ins
       UNION ALL
       SELECT id, correlation_id, state FROM rights_check WHERE idempotency_key = $2 AND NOT EXISTS (SELECT 1 FROM ins)`,
      [c.requestedBy, c.idempotencyKey, c.correlationId, c.nir, c.assureNir, c.dateOfCare, c.finess, c.birthDate],
    );
    if (!row) throw new Error('insertPendingBilling: no row');
    return { id: row.id, correlationId: row.correlation_id, state: row.state };
  }

  async latestAnsweredBefore(nir: string, before: Date): Promise<{ id: string; answer: AmoRightsAnswer } | undefined> {
    return this.db.one<{ id: string; answer: AmoRightsAnswer }>(
      `SELECT id, answer FROM rights_check WHERE nir = $1 AND state = 'answered' AND answered_at < $2 ORDER BY answered_at DESC LIMIT 1`,
      [nir, before],
    );
  }
}
