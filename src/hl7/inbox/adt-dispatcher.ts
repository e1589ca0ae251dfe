import { DataSource } from 'typeorm';
import { CheckRightsUseCase } from '../../cdri/check-rights.use-case';
import { GatewayError } from '../../common/gateway-error';
import { AppLogger } from '../../observability/logger';

/** Facts kept with an accepted ADT message: what the follow-up work needs, without re-parsing. */
export interface StoredAdtFacts {
  event: string;
  nir?: string;
  nirField?: string;
  birthDate?: string;
  dateOfCare?: string;
  finess?: string;
  sendingApplication?: string;
}

/** Events whose arrival asks the AMO for the patient's rights on the date of care. */
export const CDRI_TRIGGER_EVENTS = new Set(['A05', 'A01', 'A04']);

export type EnqueueCheck = (checkId: string, correlationId: string) => Promise<void>;

/**
 * Outbox for accepted messages: turns each into its follow-up work (a queued CDRi check) and marks it dispatched.
 * Called right after the ACK for speed, and by a periodic sweep for anything a crash left undispatched.
 * Idempotent: the check's key is the inbox id and the job id is the check id.
 */
export class AdtDispatcher {
  private sweeping = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly checkRights: CheckRightsUseCase,
    private readonly enqueue: EnqueueCheck,
    private readonly defaultFiness: string,
    private readonly log: AppLogger,
  ) {}

  async dispatch(inboxId: string, facts: StoredAdtFacts, correlationId: string): Promise<void> {
    if (CDRI_TRIGGER_EVENTS.has(facts.event) && facts.nir) {
      try {
        const check = await this.checkRights.register({
          nir: facts.nir,
          nirField: facts.nirField ?? 'PID-3',
          birthDate: facts.birthDate,
          dateOfCare: facts.dateOfCare ?? new Date().toISOString().slice(0, 10),
          finess: facts.finess ?? this.defaultFiness,
          source: 'hl7',
          requestedBy: facts.sendingApplication ?? 'unknown',
          idempotencyKey: `hl7:${inboxId}`,
          correlationId,
        });
        if (check.state === 'pending') await this.enqueue(check.id, correlationId);
      } catch (err) {
        // Validation already happened before the ACK; a failure here is a data problem to see, not to retry forever.
        if (!(err instanceof GatewayError)) throw err;
        this.log.warn({ inboxId, code: err.code, field: err.field }, 'ADT follow-up not possible');
      }
    }
    await this.dataSource.query('UPDATE inbox_message SET dispatched_at = now() WHERE id = $1', [inboxId]);
  }

  /** Dispatches accepted messages older than `graceMs` that a crash left undispatched. Returns how many. */
  async sweep(graceMs: number, limit = 500): Promise<number> {
    if (this.sweeping) return 0;
    this.sweeping = true;
    try {
      const rows: Array<{ id: string; facts: StoredAdtFacts | null; correlation_id: string }> = await this.dataSource.query(
        `SELECT id, facts, correlation_id FROM inbox_message
          WHERE status = 'accepted' AND dispatched_at IS NULL AND received_at < now() - ($1 || ' milliseconds')::interval
          ORDER BY received_at LIMIT $2`,
        [String(graceMs), limit],
      );
      for (const r of rows) await this.dispatch(r.id, r.facts ?? { event: 'unknown' }, r.correlation_id);
      if (rows.length > 0) this.log.info({ count: rows.length }, 'Dispatched messages left over from an interrupted run');
      return rows.length;
    } finally {
      this.sweeping = false;
    }
  }
}
