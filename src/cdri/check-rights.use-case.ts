import { randomUUID } from 'node:crypto';
import { GatewayError } from '../common/gateway-error';
import { Metrics } from '../observability/metrics';
import { AppLogger } from '../observability/logger';
import { Sql } from '../persistence/sql';
import { AmoRightsAnswer, AmoRightsError, AmoRightsGateway } from './amo-rights.port';
import { isIsoDate, isUuid, validateNir } from '../identifiers';
import { RightsCheck, RightsCheckSource } from './rights-check.entity';
import { toGatewayError } from './rights-error-mapping';

export interface RightsRequest {
  nir: string;
  /** Where the NIR came from, for the error message (FHIRPath or HL7 field). */
  nirField: string;
  assureNir?: string;
  birthDate?: string;
  dateOfCare: string;
  finess: string;
  source: RightsCheckSource;
  requestedBy: string;
  idempotencyKey?: string;
  correlationId: string;
}

const COLUMNS = `id, source, requested_by AS "requestedBy", idempotency_key AS "idempotencyKey", correlation_id AS "correlationId",
  nir, assure_nir AS "assureNir", to_char(birth_date, 'YYYY-MM-DD') AS "birthDate", to_char(date_of_care, 'YYYY-MM-DD') AS "dateOfCare",
  finess, state, rights_status AS "rightsStatus", answer, error_code AS "errorCode", error_message AS "errorMessage", attempts,
  requested_at AS "requestedAt", answered_at AS "answeredAt", expires_at AS "expiresAt"`;

/** Validates a rights question before anything is stored or sent; errors name the field, never the value. */
export function validateRightsRequest(req: Pick<RightsRequest, 'nir' | 'nirField' | 'assureNir' | 'dateOfCare' | 'birthDate'>): void {
  const nir = validateNir(req.nir);
  if (!nir.ok) throw new GatewayError('INVALID_INPUT', `Invalid NIR: ${nir.reason}`, req.nirField);
  if (req.assureNir) {
    const assure = validateNir(req.assureNir);
    if (!assure.ok) throw new GatewayError('INVALID_INPUT', `Invalid NIR of the assuré: ${assure.reason}`, 'assuré NIR');
  }
  if (!isIsoDate(req.dateOfCare)) {
    throw new GatewayError('INVALID_INPUT', 'Date of care must be a valid YYYY-MM-DD date', 'date of care');
  }
  if (req.birthDate && !isIsoDate(req.birthDate)) {
    throw new GatewayError('INVALID_INPUT', 'Birth date must be a valid YYYY-MM-DD date', 'birth date');
  }
}

/**
 * The one use case behind every unit AMO rights question: the kiosk ($submit, synchronous) and the HL7 admission
 * flow (a pending check stored by the dispatcher, answered by a queued job). Raw SQL: this is the kiosk's hot path.
 */
export class CheckRightsUseCase {
  constructor(
    private readonly db: Sql,
    private readonly gateway: AmoRightsGateway,
    private readonly ttlSeconds: number,
    private readonly metrics: Metrics,
    private readonly log: AppLogger,
  ) {}

  /**
   * Kiosk path: ask the insurer now, then store question and answer (or failure) in ONE commit before replying —
   * one durable write on the request path instead of two. A repeated request identifier returns the stored check
   * without asking again.
   */
  async checkNow(req: RightsRequest): Promise<RightsCheck> {
    validateRightsRequest(req);
    if (req.idempotencyKey) {
      const existing = await this.db.one<RightsCheck>(`SELECT ${COLUMNS} FROM rights_check WHERE idempotency_key = $1`, [req.idempotencyKey]);
      if (existing) return existing;
    }
    const id = randomUUID();
    const requestedAt = new Date();
    let answer: AmoRightsAnswer | undefined;
    let failure: { error: AmoRightsError; mapped: GatewayError } | undefined;
    try {
      answer = await this.ask({ id, nir: req.nir, assureNir: req.assureNir, birthDate: req.birthDate, dateOfCare: req.dateOfCare, finess: req.finess, correlationId: req.correlationId, source: req.source });
    } catch (err) {
      if (!(err instanceof AmoRightsError)) throw err;
      failure = { error: err, mapped: toGatewayError(err) };
    }
    const answeredAt = answer ? new Date() : null;
    const stored = await this.db.one<RightsCheck>(
      `INSERT INTO rights_check (id, source, requested_by, idempotency_key, correlation_id, nir, assure_nir, birth_date, date_of_care,
         finess, state, rights_status, answer, error_code, error_message, attempts, requested_at, answered_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 1, $16, $17, $18)
       ON CONFLICT (idempotency_key) DO NOTHING RETURNING ${COLUMNS}`,
      [id, req.source, req.requestedBy, req.idempotencyKey ?? null, req.correlationId, req.nir, req.assureNir ?? null, req.birthDate ?? null,
        req.dateOfCare, req.finess, answer ? 'answered' : 'failed', answer?.status ?? null, answer ? JSON.stringify(answer) : null,
        failure?.error.code ?? null, failure?.mapped.message ?? null, requestedAt, answeredAt,
        answeredAt ? new Date(answeredAt.getTime() + this.ttlSeconds * 1000) : null],
    );
    if (failure) throw failure.mapped;
    // A concurrent request with the same identifier stored first: answer with its check.
    return stored ?? (await this.db.one<RightsCheck>(`SELECT ${COLUMNS} FROM rights_check WHERE idempotency_key = $1`, [req.idempotencyKey]))!;
  }

  /** Queued path: answers a stored pending check. `final` = last attempt: record the failure. */
  async execute(check: RightsCheck, opts: { final: boolean }): Promise<RightsCheck> {
    try {
      const answer = await this.ask({ ...check, assureNir: check.assureNir ?? undefined, birthDate: check.birthDate ?? undefined });
      const answeredAt = new Date();
      const expiresAt = new Date(answeredAt.getTime() + this.ttlSeconds * 1000);
      await this.db.exec(
        `UPDATE rights_check SET state = 'answered', rights_status = $2, answer = $3, answered_at = $4, expires_at = $5,
                error_code = NULL, error_message = NULL, attempts = attempts + 1
          WHERE id = $1 AND state = 'pending'`,
        [check.id, answer.status, JSON.stringify(answer), answeredAt, expiresAt],
      );
      return { ...check, state: 'answered', rightsStatus: answer.status, answer, answeredAt, expiresAt, attempts: check.attempts + 1 };
    } catch (err) {
      if (!(err instanceof AmoRightsError)) throw err;
      const mapped = toGatewayError(err);
      const final = opts.final || !err.transient;
      await this.db.exec(
        final
          ? `UPDATE rights_check SET state = 'failed', error_code = $2, error_message = $3, attempts = attempts + 1 WHERE id = $1 AND state = 'pending'`
          : `UPDATE rights_check SET error_code = $2, error_message = $3, attempts = attempts + 1 WHERE id = $1 AND state = 'pending'`,
        [check.id, err.code, mapped.message],
      );
      throw mapped;
    }
  }

  async findById(id: string): Promise<RightsCheck | undefined> {
    if (!isUuid(id)) return undefined;
    return this.db.one<RightsCheck>(`SELECT ${COLUMNS} FROM rights_check WHERE id = $1`, [id]);
  }

  /** One insurer call, measured and logged (ids and outcome only). The check id is the insurer's request id. */
  private async ask(c: { id: string; nir: string; assureNir?: string; birthDate?: string; dateOfCare: string; finess: string; correlationId: string; source: string }): Promise<AmoRightsAnswer> {
    const end = this.metrics.insurerCallDuration.startTimer({ service: 'cdri' });
    try {
      const answer = await this.gateway.checkRights({
        nir: c.nir, assureNir: c.assureNir, birthDate: c.birthDate, dateOfCare: c.dateOfCare, finess: c.finess, correlationId: c.correlationId, requestId: c.id,
      });
      end({ outcome: 'ok' });
      this.log.info({ checkId: c.id, source: c.source, rightsStatus: answer.status }, 'AMO rights answered');
      return answer;
    } catch (err) {
      if (err instanceof AmoRightsError) {
        end({ outcome: err.code });
        this.metrics.insurerErrors.inc({ service: 'cdri', code: err.code });
        this.log.warn({ checkId: c.id, code: err.code, transient: err.transient }, 'AMO rights call failed');
      }
      throw err;
    }
  }
}
