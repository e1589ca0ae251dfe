import { randomUUID } from 'node:crypto';
import { GatewayError } from '../common/gateway-error';
import { type Metrics } from '../observability/metrics';
import { type AppLogger } from '../observability/logger';
import { type AmoRightsAnswer, AmoRightsError, type AmoRightsGateway } from './amo-rights.port';
import { isIsoDate, isUuid, validateNir } from '../identifiers';
import { type RightsCheck, type RightsCheckSource, type RightsCheckStorePort } from './rights-check.store';
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
  /** How the caller names the identifier behind `idempotencyKey`, for a reuse error: field and value as sent. */
  idempotencyLabel?: { field: string; value: string };
  correlationId: string;
}

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
 * flow (a pending check stored by the dispatcher, answered by a queued job).
 */
export class CheckRightsUseCase {
  constructor(
    private readonly checks: RightsCheckStorePort,
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
      const existing = await this.checks.findByIdempotencyKey(req.idempotencyKey);
      if (existing) return sameQuestion(existing, req) ? existing : reusedIdentifier(req);
    }
    const id = randomUUID();
    const requestedAt = new Date();
    let answer: AmoRightsAnswer | undefined;
    let failure: { error: AmoRightsError; mapped: GatewayError } | undefined;
    try {
      answer = await this.ask({
        id,
        nir: req.nir,
        assureNir: req.assureNir,
        birthDate: req.birthDate,
        dateOfCare: req.dateOfCare,
        finess: req.finess,
        correlationId: req.correlationId,
        source: req.source,
      });
    } catch (err) {
      if (!(err instanceof AmoRightsError)) throw err;
      failure = { error: err, mapped: toGatewayError(err) };
    }
    const answeredAt = answer ? new Date() : null;
    const stored = await this.checks.insertCompleted({
      id,
      source: req.source,
      requestedBy: req.requestedBy,
      idempotencyKey: req.idempotencyKey ?? null,
      correlationId: req.correlationId,
      nir: req.nir,
      assureNir: req.assureNir ?? null,
      birthDate: req.birthDate ?? null,
      dateOfCare: req.dateOfCare,
      finess: req.finess,
      state: answer ? 'answered' : 'failed',
      rightsStatus: answer?.status ?? null,
      answer: answer ?? null,
      errorCode: failure?.error.code ?? null,
      errorMessage: failure?.mapped.message ?? null,
      requestedAt,
      answeredAt,
      expiresAt: answeredAt ? new Date(answeredAt.getTime() + this.ttlSeconds * 1000) : null,
    });
    if (failure) throw failure.mapped;
    if (stored) return stored;
    // A concurrent request with the same identifier stored first: its check, if it asked the same question.
    const twin = (await this.checks.findByIdempotencyKey(req.idempotencyKey!))!;
    return sameQuestion(twin, req) ? twin : reusedIdentifier(req);
  }

  /** Queued path: answers a stored pending check. `final` = last attempt: record the failure. */
  async execute(check: RightsCheck, opts: { final: boolean }): Promise<RightsCheck> {
    try {
      const answer = await this.ask({ ...check, assureNir: check.assureNir ?? undefined, birthDate: check.birthDate ?? undefined });
      const answeredAt = new Date();
      const expiresAt = new Date(answeredAt.getTime() + this.ttlSeconds * 1000);
      await this.checks.recordAnswer(check.id, answer, answeredAt, expiresAt);
      return { ...check, state: 'answered', rightsStatus: answer.status, answer, answeredAt, expiresAt, attempts: check.attempts + 1 };
    } catch (err) {
      if (!(err instanceof AmoRightsError)) throw err;
      const mapped = toGatewayError(err);
      const final = opts.final || !err.transient;
      await this.checks.recordFailure(check.id, err.code, mapped.message, final);
      throw mapped;
    }
  }

  async findById(id: string): Promise<RightsCheck | undefined> {
    if (!isUuid(id)) return undefined;
    return this.checks.findById(id);
  }

  /** One insurer call, measured and logged (ids and outcome only). The check id is the insurer's request id. */
  private async ask(c: {
    id: string;
    nir: string;
    assureNir?: string;
    birthDate?: string;
    dateOfCare: string;
    finess: string;
    correlationId: string;
    source: string;
  }): Promise<AmoRightsAnswer> {
    const end = this.metrics.insurerCallDuration.startTimer({ service: 'cdri' });
    try {
      const answer = await this.gateway.checkRights({
        nir: c.nir,
        assureNir: c.assureNir,
        birthDate: c.birthDate,
        dateOfCare: c.dateOfCare,
        finess: c.finess,
        correlationId: c.correlationId,
        requestId: c.id,
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

/**
 * A reused request identifier is only a resend when it asks the same question: the same patient, date of care and
 * establishment. Anything else is another request under a taken identifier (a client that reset its counter, two
 * instances colliding): answering it with the stored check would give one patient's rights for another.
 */
function sameQuestion(stored: RightsCheck, req: RightsRequest): boolean {
  return (
    stored.nir === req.nir &&
    (stored.assureNir ?? null) === (req.assureNir ?? null) &&
    (stored.birthDate ?? null) === (req.birthDate ?? null) &&
    stored.dateOfCare === req.dateOfCare &&
    stored.finess === req.finess
  );
}

function reusedIdentifier(req: RightsRequest): never {
  const label = req.idempotencyLabel;
  const named = label ? `${label.field} ${JSON.stringify(label.value.slice(0, 64))}` : 'The request identifier';
  throw new GatewayError(
    'CONFLICT',
    `${named} was already used for a different request (patient, date of care or establishment): a new request needs a new identifier`,
    label?.field ?? 'identifier',
  );
}
