/**
 * The FIDES flow's return-file handler (FlowParts.returns): each ARL or NOEMIE RSP the returns intake stored,
 * decrypted, verified and linked to its transmission is applied EXACTLY ONCE, in ONE transaction with its record:
 *   - the same return id again (the intake delivers at least once) → nothing;
 *   - the same content identity (kind + emitting caisse + 000 returnFileId) as an applied return — the AMO dropped
 *     the same file again, so it came as a new inbound return → recorded `duplicate`, nothing applied;
 *   - a malformed file, totals that do not add up, an unknown lot, a line for an unknown invoice… → recorded `error`
 *     with its code and detail (fides_return; metric; log), NOTHING of the file applied, and the intake told it was
 *     consumed (retrying would not change the answer; the operator sees it in fides_return);
 *   - otherwise applied (apply-arl.ts, apply-rsp.ts) and recorded `applied`.
 * A database failure rolls everything back and is thrown: the intake retries the file.
 */
import type { AppLogger } from '../../observability/logger';
import type { Sql, SqlExecutor } from '../../persistence/sql';
import type { ReturnedFile } from '../../platform/return-file';
import { planArl, type ReturnPlan } from './apply-arl';
import { planRsp } from './apply-rsp';
import { type ReadReturn, readReturn } from './read-return';
import { ReturnRefused } from './return-refusal';
import type { FidesReturnMetrics } from './returns-metrics';

export type ReturnApplication =
  | { status: 'already-handled' }
  | { status: 'applied'; kind: string; invoices: number }
  | { status: 'duplicate'; kind: string; of: string }
  | { status: 'error'; kind: string; code: string; detail: string };

export class FidesReturnsHandler {
  /** Pass this as FlowParts.returns. */
  readonly handler = async (file: ReturnedFile): Promise<void> => {
    await this.apply(file);
  };

  constructor(
    private readonly db: Sql,
    private readonly log?: AppLogger,
    private readonly metrics?: FidesReturnMetrics,
  ) {}

  async apply(file: ReturnedFile): Promise<ReturnApplication> {
    const read = readReturn(file.fileName, file.content);
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.db.transaction((tx) => this.applyIn(tx, file, read));
        this.report(file, result);
        return result;
      } catch (err) {
        // Two deliveries of one file at once: the loser hits a unique index (same id, or same identity applied);
        // run again, it then sees the winner's row.
        if ((err as { code?: string }).code === '23505' && attempt < 3) continue;
        throw err;
      }
    }
  }

  private async applyIn(tx: SqlExecutor, file: ReturnedFile, read: ReadReturn): Promise<ReturnApplication> {
    if (await tx.one(`SELECT 1 FROM fides_return WHERE id = $1`, [file.id])) return { status: 'already-handled' };
    if (!read.ok) {
      await this.record(tx, file, read.kind, null, 'error', { refusal: read.refusal });
      return { status: 'error', kind: read.kind, code: read.refusal.code, detail: read.refusal.detail };
    }
    const { identity, reading } = read;
    // Deliveries of one content identity take turns: the second waits for the first to commit, then finds it
    // applied — and records a duplicate, not the error its stale plan would have met (invoices already settled).
    await tx.one(`SELECT pg_advisory_xact_lock(hashtext($1))`, [
      `fides-return/${identity.kind}/${identity.emitterRegime}/${identity.emitterFund}/${identity.returnFileId}`,
    ]);
    const dup = await tx.one<{ id: string }>(
      `SELECT id FROM fides_return
       WHERE kind = $1 AND emitter_regime = $2 AND emitter_fund = $3 AND return_file_id = $4 AND status = 'applied'`,
      [identity.kind, identity.emitterRegime, identity.emitterFund, identity.returnFileId],
    );
    if (dup) {
      await this.record(tx, file, identity.kind, read, 'duplicate', { duplicateOf: dup.id });
      return { status: 'duplicate', kind: identity.kind, of: dup.id };
    }
    let plan: ReturnPlan;
    try {
      plan = identity.kind === 'ARL' ? await planArl(tx, reading, file) : await planRsp(tx, reading, file);
    } catch (err) {
      if (!(err instanceof ReturnRefused)) throw err;
      // Planning only read (and locked): nothing was written, the error row is the file's only trace.
      await this.record(tx, file, identity.kind, read, 'error', { refusal: err });
      return { status: 'error', kind: identity.kind, code: err.code, detail: err.detail };
    }
    await this.record(tx, file, identity.kind, read, 'applied', { plan });
    await plan.apply(tx, file.id, `return:${file.id}`);
    return { status: 'applied', kind: identity.kind, invoices: plan.invoicesApplied };
  }

  private async record(
    tx: SqlExecutor,
    file: ReturnedFile,
    kind: string,
    read: Extract<ReadReturn, { ok: true }> | null,
    status: 'applied' | 'error' | 'duplicate',
    x: { refusal?: ReturnRefused; duplicateOf?: string; plan?: ReturnPlan },
  ): Promise<void> {
    await tx.exec(
      `INSERT INTO fides_return (id, kind, file_name, lot_ref, emitter_regime, emitter_fund, return_file_id, status, error_code,
         error_detail, duplicate_of, lot_id, lines_read, invoices_applied, paid_cents)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
      [
        file.id,
        kind,
        file.fileName,
        file.lotRef,
        read?.identity.emitterRegime ?? null,
        read?.identity.emitterFund ?? null,
        read?.identity.returnFileId ?? null,
        status,
        x.refusal?.code ?? null,
        x.refusal?.detail.slice(0, 2000) ?? null,
        x.duplicateOf ?? null,
        x.plan?.lotId ?? null,
        x.plan?.linesRead ?? 0,
        x.plan?.invoicesApplied ?? 0,
        x.plan?.paidCents ?? 0,
      ],
    );
  }

  private report(file: ReturnedFile, r: ReturnApplication): void {
    if (r.status === 'already-handled') return;
    const ctx = { returnId: file.id, fileName: file.fileName, lotRef: file.lotRef, kind: r.kind };
    if (r.status === 'error') {
      this.metrics?.returns.inc({ kind: r.kind, status: 'error', code: r.code });
      this.log?.warn(
        { ...ctx, code: r.code, detail: r.detail },
        'FIDES return NOT applied: recorded with its error, nothing of it applied',
      );
      return;
    }
    this.metrics?.returns.inc({ kind: r.kind, status: r.status, code: '' });
    if (r.status === 'duplicate')
      this.log?.info({ ...ctx, duplicateOf: r.of }, 'FIDES return is a duplicate of an applied one: nothing applied');
    else this.log?.info({ ...ctx, invoices: r.invoices }, 'FIDES return applied');
  }
}
