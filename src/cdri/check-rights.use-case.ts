import { DataSource, Repository } from 'typeorm';
import { GatewayError } from '../common/gateway-error';
import { Metrics } from '../observability/metrics';
import { AppLogger } from '../observability/logger';
import { AmoRightsError, AmoRightsGateway } from './amo-rights.port';
import { validateNir } from './nir';
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

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The one use case behind every AMO rights question: the kiosk ($submit), the HL7 admission flow (queued job)
 * and, later, the night lot. Stores the question before calling, the answer (or the failure) after.
 */
export class CheckRightsUseCase {
  private readonly repo: Repository<RightsCheck>;

  constructor(
    dataSource: DataSource,
    private readonly gateway: AmoRightsGateway,
    private readonly ttlSeconds: number,
    private readonly metrics: Metrics,
    private readonly log: AppLogger,
  ) {
    this.repo = dataSource.getRepository(RightsCheck);
  }

  /** Validates, then records a pending check (or returns the existing one for a repeated idempotency key). */
  async register(req: RightsRequest): Promise<RightsCheck> {
    this.validate(req);
    if (req.idempotencyKey) {
      const existing = await this.repo.findOneBy({ idempotencyKey: req.idempotencyKey });
      if (existing) return existing;
    }
    const requestedAt = new Date();
    const rows: Array<{ id: string }> = await this.repo.query(
      `INSERT INTO rights_check (source, requested_by, idempotency_key, correlation_id, nir, assure_nir, birth_date,
         date_of_care, finess, state, requested_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', $10)
       ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
      [req.source, req.requestedBy, req.idempotencyKey ?? null, req.correlationId, req.nir, req.assureNir ?? null,
        req.birthDate ?? null, req.dateOfCare, req.finess, requestedAt],
    );
    if (rows.length === 0) {
      // A concurrent request with the same key won the race: answer with its check.
      return this.repo.findOneByOrFail({ idempotencyKey: req.idempotencyKey ?? '' });
    }
    return this.repo.create({
      id: rows[0].id,
      source: req.source,
      requestedBy: req.requestedBy,
      idempotencyKey: req.idempotencyKey ?? null,
      correlationId: req.correlationId,
      nir: req.nir,
      assureNir: req.assureNir ?? null,
      birthDate: req.birthDate ?? null,
      dateOfCare: req.dateOfCare,
      finess: req.finess,
      state: 'pending',
      attempts: 0,
      requestedAt,
      answeredAt: null,
      expiresAt: null,
      rightsStatus: null,
      answer: null,
      errorCode: null,
      errorMessage: null,
    });
  }

  /** Synchronous path (kiosk): register and ask the insurer now. A repeated, answered request is not re-asked. */
  async checkNow(req: RightsRequest): Promise<RightsCheck> {
    const check = await this.register(req);
    if (check.state !== 'pending') return check;
    return this.execute(check, { final: true });
  }

  /** Queued path: ask the insurer for a stored pending check. `final` = last attempt, record the failure. */
  async execute(check: RightsCheck, opts: { final: boolean }): Promise<RightsCheck> {
    const started = process.hrtime.bigint();
    try {
      const answer = await this.gateway.checkRights({
        nir: check.nir,
        assureNir: check.assureNir ?? undefined,
        birthDate: check.birthDate ?? undefined,
        dateOfCare: check.dateOfCare,
        finess: check.finess,
        correlationId: check.correlationId,
      });
      this.observe(started, 'ok');
      const answeredAt = new Date();
      const result: Partial<RightsCheck> = {
        state: 'answered',
        rightsStatus: answer.status,
        answer,
        answeredAt,
        expiresAt: new Date(answeredAt.getTime() + this.ttlSeconds * 1000),
        errorCode: null,
        errorMessage: null,
      };
      await this.finish(check.id, result);
      this.log.info({ checkId: check.id, source: check.source, rightsStatus: answer.status }, 'AMO rights answered');
      return { ...check, ...result, attempts: check.attempts + 1 } as RightsCheck;
    } catch (err) {
      if (!(err instanceof AmoRightsError)) throw err;
      this.observe(started, err.code);
      this.metrics.insurerErrors.inc({ service: 'cdri', code: err.code });
      const mapped = toGatewayError(err);
      this.log.warn({ checkId: check.id, code: err.code, transient: err.transient }, 'AMO rights call failed');
      const final = opts.final || !err.transient;
      await this.finish(check.id, final ? { state: 'failed', errorCode: err.code, errorMessage: mapped.message } : {});
      throw mapped;
    }
  }

  /** One UPDATE per attempt; guarded on 'pending' so a late duplicate can never overwrite a stored answer. */
  private async finish(id: string, values: Partial<RightsCheck>): Promise<void> {
    await this.repo
      .createQueryBuilder()
      .update()
      .set({ ...values, attempts: () => 'attempts + 1' })
      .where('id = :id AND state = :pending', { id, pending: 'pending' })
      .execute();
  }

  async findById(id: string): Promise<RightsCheck | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    return this.repo.findOneBy({ id });
  }

  private observe(started: bigint, outcome: string): void {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.metrics.insurerCallDuration.observe({ service: 'cdri', outcome }, seconds);
  }

  private validate(req: RightsRequest): void {
    const nir = validateNir(req.nir);
    if (!nir.ok) throw new GatewayError('INVALID_INPUT', `Invalid NIR: ${nir.reason}`, req.nirField);
    if (req.assureNir) {
      const assure = validateNir(req.assureNir);
      if (!assure.ok) throw new GatewayError('INVALID_INPUT', `Invalid NIR of the assuré: ${assure.reason}`, 'assuré NIR');
    }
    if (!DATE.test(req.dateOfCare) || Number.isNaN(Date.parse(req.dateOfCare))) {
      throw new GatewayError('INVALID_INPUT', 'Date of care must be a valid YYYY-MM-DD date', 'date of care');
    }
    if (req.birthDate && (!DATE.test(req.birthDate) || Number.isNaN(Date.parse(req.birthDate)))) {
      throw new GatewayError('INVALID_INPUT', 'Birth date must be a valid YYYY-MM-DD date', 'birth date');
    }
  }
}
