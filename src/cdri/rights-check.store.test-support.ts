/**
 * Test support for the unit tier (not built into dist/): an in-memory RightsCheckStorePort with the same guards as
 * the SQL (unique idempotency key, updates only while pending), and a scripted insurer.
 */
import { randomUUID } from 'node:crypto';
import { type AmoRightsAnswer, AmoRightsError, type AmoRightsGateway, type AmoRightsQuery } from './amo-rights.port';
import {
  type CompletedCheck,
  type PendingHl7Check,
  type QueuedCheckRef,
  type RightsCheck,
  type RightsCheckSource,
  type RightsCheckStorePort,
} from './rights-check.store';

const STALE_MS = 2 * 60 * 1000;

export class InMemoryRightsCheckStore implements RightsCheckStorePort {
  readonly rows = new Map<string, RightsCheck>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  async findById(id: string): Promise<RightsCheck | undefined> {
    return this.copy(this.rows.get(id));
  }

  async findByIdempotencyKey(key: string): Promise<RightsCheck | undefined> {
    return this.copy([...this.rows.values()].find((r) => r.idempotencyKey === key));
  }

  async insertCompleted(c: CompletedCheck): Promise<RightsCheck | undefined> {
    if (c.idempotencyKey !== null && (await this.findByIdempotencyKey(c.idempotencyKey))) return undefined;
    const row: RightsCheck = { ...c, attempts: 1 };
    this.rows.set(row.id, row);
    return this.copy(row);
  }

  async recordAnswer(id: string, answer: AmoRightsAnswer, answeredAt: Date, expiresAt: Date): Promise<void> {
    const row = this.rows.get(id);
    if (row?.state !== 'pending') return;
    Object.assign(row, {
      state: 'answered',
      rightsStatus: answer.status,
      answer,
      answeredAt,
      expiresAt,
      errorCode: null,
      errorMessage: null,
      attempts: row.attempts + 1,
    });
  }

  async recordFailure(id: string, code: string, message: string, final: boolean): Promise<void> {
    const row = this.rows.get(id);
    if (row?.state !== 'pending') return;
    Object.assign(row, { errorCode: code, errorMessage: message, attempts: row.attempts + 1 }, final ? { state: 'failed' } : {});
  }

  async insertPendingHl7(checks: PendingHl7Check[]): Promise<QueuedCheckRef[]> {
    const inserted: QueuedCheckRef[] = [];
    const twins: QueuedCheckRef[] = [];
    for (const c of checks) {
      const existing = [...this.rows.values()].find((r) => r.idempotencyKey === c.idempotencyKey);
      if (existing) {
        if (existing.state === 'pending') twins.push({ id: existing.id, correlationId: existing.correlationId });
        continue;
      }
      const row = this.pending('hl7', c);
      this.rows.set(row.id, row);
      inserted.push({ id: row.id, correlationId: row.correlationId });
    }
    return [...inserted, ...twins];
  }

  async stalePendingHl7(limit: number): Promise<QueuedCheckRef[]> {
    const before = this.now().getTime() - STALE_MS;
    return [...this.rows.values()]
      .filter((r) => r.state === 'pending' && r.source === 'hl7' && r.requestedAt.getTime() < before)
      .sort((a, b) => a.requestedAt.getTime() - b.requestedAt.getTime())
      .slice(0, limit)
      .map((r) => ({ id: r.id, correlationId: r.correlationId }));
  }

  async latestFor(nir: string, source: RightsCheckSource): Promise<RightsCheck | undefined> {
    const mine = [...this.rows.values()].filter((r) => r.nir === nir && r.source === source);
    return this.copy(mine.sort((a, b) => b.requestedAt.getTime() - a.requestedAt.getTime())[0]);
  }

  async latestAnsweredBefore(nir: string, before: Date): Promise<{ id: string; answer: AmoRightsAnswer } | undefined> {
    const answered = [...this.rows.values()]
      .filter((r) => r.nir === nir && r.state === 'answered' && r.answeredAt! < before)
      .sort((a, b) => b.answeredAt!.getTime() - a.answeredAt!.getTime());
    return answered[0] && { id: answered[0].id, answer: answered[0].answer! };
  }

  /** A pending check as the dispatcher would have stored it (for execute() and the stale sweep). */
  addPending(c: PendingHl7Check, requestedAt = this.now()): RightsCheck {
    const row = { ...this.pending('hl7', c), requestedAt };
    this.rows.set(row.id, row);
    return { ...row };
  }

  private pending(source: RightsCheckSource, c: PendingHl7Check): RightsCheck {
    return {
      id: randomUUID(),
      source,
      requestedBy: c.requestedBy,
      idempotencyKey: c.idempotencyKey,
      correlationId: c.correlationId,
      nir: c.nir,
      assureNir: null,
      birthDate: c.birthDate,
      dateOfCare: c.dateOfCare,
      finess: c.finess,
      state: 'pending',
      rightsStatus: null,
      answer: null,
      errorCode: null,
      errorMessage: null,
      attempts: 0,
      requestedAt: this.now(),
      answeredAt: null,
      expiresAt: null,
    };
  }

  private copy(r: RightsCheck | undefined): RightsCheck | undefined {
    return r && { ...r };
  }
}

export const OPEN_ANSWER: AmoRightsAnswer = {
  status: 'OPEN',
  periods: [{ start: '2026-01-01' }],
  c2s: false,
  ame: false,
  maternity: false,
  insurerReference: 'REF-1',
  organism: { grandRegime: '01', caisse: '751', centre: '0001', codeGestion: '10' },
};

/** An insurer that answers from a script, one entry per call, and records the questions it got. */
export class ScriptedInsurer implements AmoRightsGateway {
  readonly queries: AmoRightsQuery[] = [];

  constructor(private readonly script: Array<AmoRightsAnswer | AmoRightsError>) {}

  async checkRights(query: AmoRightsQuery): Promise<AmoRightsAnswer> {
    this.queries.push(query);
    const next = this.script.shift();
    if (!next) throw new Error('ScriptedInsurer: unexpected call');
    if (next instanceof AmoRightsError) throw next;
    return next;
  }

  async ping(): Promise<boolean> {
    return true;
  }
}
