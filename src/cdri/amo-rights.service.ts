import type {
  AmoRightsCheckRequest,
  AmoRightsCheckState,
  AmoRightsService,
  AmoRightsSnapshot,
  AmoRightsSubject,
} from '../platform/amo-rights';
import type { BackendQueue } from '../queue/queue-backend';
import type { AmoRightsAnswer } from './amo-rights.port';
import type { CdriCheckJob } from './cdri.queues';
import type { RightsCheckStore } from './rights-check.store';

/** A stored answer in the shape other flows compare with (pre-flight: organism, periods, confirmed exonerations). */
export function rightsSnapshot(id: string, answer: AmoRightsAnswer, answeredAt: Date): AmoRightsSnapshot {
  return {
    checkId: id,
    answeredAt: new Date(answeredAt),
    status: answer.status,
    grandRegime: answer.organism?.grandRegime,
    caisse: answer.organism?.caisse,
    centre: answer.organism?.centre,
    periods: (answer.periods ?? []).map((p) => ({ start: p.start, end: p.end })),
    exonerations: answer.exoneration ? [{ code: answer.exoneration.code, end: answer.exoneration.end }] : [],
  };
}

/**
 * The AMO_RIGHTS service the CDRi flow publishes: the latest answer from `rights_check`, and billing checks stored
 * pending then run by the same queue and processor as HL7 admissions' (retries, backoff, the failure recorded on the
 * last attempt).
 */
export class CdriAmoRightsService implements AmoRightsService {
  constructor(
    private readonly checks: RightsCheckStore,
    private readonly queue: Pick<BackendQueue<CdriCheckJob>, 'add'>,
  ) {}

  async latestAnswer(subject: AmoRightsSubject): Promise<AmoRightsSnapshot | undefined> {
    const found = await this.checks.latestAnswered(subject.beneficiaryNir, subject.birthDate);
    return found && rightsSnapshot(found.id, found.answer, found.answeredAt);
  }

  async queueCheck(req: AmoRightsCheckRequest): Promise<{ checkId: string; state: AmoRightsCheckState }> {
    const check = await this.checks.insertPendingBilling({
      idempotencyKey: req.idempotencyKey,
      correlationId: req.correlationId,
      nir: req.beneficiaryNir,
      assureNir: req.insuredNir ?? null,
      birthDate: req.birthDate ?? null,
      dateOfCare: req.dateOfCare,
      finess: req.finess,
      requestedBy: req.requestedBy,
    });
    // The job id is the check id: while the job exists, adding it again is a no-op; once gone, a still pending check
    // (its job was lost) is queued again.
    if (check.state === 'pending')
      await this.queue.add('check', { checkId: check.id, correlationId: check.correlationId, queuedAt: Date.now() }, { jobId: check.id });
    return { checkId: check.id, state: check.state };
  }

  async checkState(checkId: string): Promise<AmoRightsCheckState | undefined> {
    return (await this.checks.findById(checkId))?.state;
  }
}
