import { randomUUID } from 'node:crypto';
import type { FidesPreflightConfig } from '../config/fides-config';
import { eachWithin } from '../common/each-within';
import { isIsoDate } from '../identifiers';
import type { AppLogger } from '../observability/logger';
import type { AmoRightsCheckState, AmoRightsService } from '../platform/amo-rights';
import type { InvoiceState } from './invoice-state';
import type { AwaitedCheck, LeasedInvoice, PreflightStorePort } from './invoice.store';
import { type LatestRightsAnswerPort, type PreflightFinding, type PreflightResult, rightsQueryFor, runPreflight } from './preflight';

const ACTOR = 'fides-preflight';

/**
 * Said when no flow provides AMO rights (no CDRi): the invoice waits in `awaiting-rights` instead of being held, since
 * nothing in it is wrong and a person correcting it could not clear it; it moves on once CDRi is configured. Not in
 * the rule table: it is about the deployment, not the invoice (PREFLIGHT.md).
 */
export const CDRI_NOT_CONFIGURED: PreflightFinding = {
  code: 'PF-CDRI-NOT-CONFIGURED',
  field: 'patient',
  severity: 'wait',
  message: 'patient: no CDRi service is configured on this gateway: the rights check the invoice needs cannot be asked',
};

const STATE_OF: Record<PreflightResult['outcome'], InvoiceState> = {
  ready: 'ready',
  held: 'preflight-failed',
  'needs-rights-check': 'awaiting-rights',
};

/** The beneficiary's birth date when it is a real day (a bad one is PF-BIRTH-DATE's finding, not a question to ask). */
function birthDateOf(inv: LeasedInvoice): string | undefined {
  const b = inv.draft.patient.birthDate;
  return b !== undefined && isIsoDate(b) ? b : undefined;
}

/** One formatter per time zone: building an Intl.DateTimeFormat costs ~0.1 ms, and pre-flight asks once per invoice. */
const DAY_FORMATS = new Map<string, Intl.DateTimeFormat>();

/** YYYY-MM-DD in the establishment's time zone: "today" for the future-date and billing-delay rules. */
export function dayIn(timeZone: string, at: Date): string {
  let f = DAY_FORMATS.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    DAY_FORMATS.set(timeZone, f);
  }
  return f.format(at);
}

/**
 * Invoices of a leased batch checked at once. Each check is a handful of round trips (latest answer, outcome, queued
 * check) and each outcome is its own conditional statement on its own leased invoice, so they do not depend on each
 * other; one at a time, the worker waited on the database and did ~150 invoices/s on a 2-core machine whose CPU was
 * half idle (bench/fides-e2e.bench.ts, bench/README.md).
 */
const PARALLEL = 8;

export interface PreflightWorkerOptions extends FidesPreflightConfig {
  timeZone: string;
  /** How long a worker holds the invoices it took: past it (a crash), another worker takes them. */
  leaseMs: number;
  now?: () => Date;
}

/**
 * Moves invoices out of `received` (and `awaiting-rights`) by running pre-flight: ready, preflight-failed with the
 * findings, or awaiting-rights with a CDRi check queued. Crash-safe: invoices are leased in batches, each outcome is
 * one conditional statement, and a check is queued under a key naming the invoice version and attempt, so a rerun
 * after a crash finds the check it already asked for.
 */
export class PreflightWorker {
  private running?: Promise<number>;
  private again = false;
  private stopped = false;

  constructor(
    private readonly store: PreflightStorePort,
    private readonly rights: AmoRightsService | undefined,
    private readonly opts: PreflightWorkerOptions,
    private readonly log: AppLogger,
  ) {}

  /** Intake stored something: run now (or once more after the run in flight). Errors are logged; the tick retries. */
  nudge(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drainReceived()
      .catch((err: unknown) => {
        this.log.error({ err }, 'FIDES pre-flight run failed; will retry');
        return 0;
      })
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.nudge();
        }
      });
  }

  /** No new run; waits for the one in flight (the process is stopping). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  /**
   * The periodic tick: a drain of the received invoices (if none runs), and a look at those waiting for a CDRi answer
   * beside it. Not after it: while a GAP keeps sending, intake's nudges keep the drain going, and invoices whose answer
   * had come stayed in awaiting-rights until the sending stopped (bench/fides-e2e.bench.ts: 25,000 of them, all
   * answered, waited for the end of a 100,000-invoice intake). The two lease different states.
   */
  async tick(): Promise<number> {
    this.nudge();
    return this.recheckAwaiting();
  }

  /** Batches of received invoices until none is left. */
  async drainReceived(): Promise<number> {
    let done = 0;
    for (;;) {
      const batch = await this.store.lease('received', this.opts.batchSize, this.opts.leaseMs);
      await eachWithin(batch, PARALLEL, (inv) => this.check(inv, 'received'));
      done += batch.length;
      if (batch.length < this.opts.batchSize || this.stopped) return done;
    }
  }

  /**
   * Batches of awaiting-rights invoices due for a look: a check still pending and not timed out is left alone;
   * otherwise pre-flight runs again against the latest answer (a lost job is queued again, a failed check asked anew).
   */
  async recheckAwaiting(): Promise<number> {
    let done = 0;
    // Each batch leases other invoices (the looked-at ones are snoozed or moved), so this ends.
    for (;;) {
      const batch = await this.store.lease('awaiting-rights', this.opts.batchSize, this.opts.leaseMs);
      await eachWithin(batch, PARALLEL, (inv) => this.recheck(inv));
      done += batch.length;
      if (batch.length < this.opts.batchSize || this.stopped) return done;
    }
  }

  private async recheck(inv: LeasedInvoice): Promise<void> {
    const state = inv.rightsCheckId && this.rights ? await this.rights.checkState(inv.rightsCheckId) : undefined;
    const askedAgo = inv.rightsAskedAt ? this.now().getTime() - inv.rightsAskedAt.getTime() : Infinity;
    // A failed check is asked anew only after the timeout too: an insurer refusing fast is not hammered.
    const wait = (state === 'pending' || state === 'failed') && askedAgo < this.opts.rightsCheckTimeoutMs;
    // Another check answered for the same beneficiary since (a kiosk, an admission, another invoice's) clears it too.
    if (wait && !(await this.answeredSince(inv))) await this.store.snooze(inv.id, this.pollMs());
    else await this.check(inv, 'awaiting-rights', state);
  }

  private async check(inv: LeasedInvoice, from: 'received' | 'awaiting-rights', previous?: AmoRightsCheckState): Promise<void> {
    const now = this.now();
    const result = await runPreflight(inv.draft, {
      today: dayIn(this.opts.timeZone, now),
      now,
      maxRightsAnswerAgeMs: this.opts.rightsMaxAgeMs,
      invoiceVersion: inv.version,
      rights: this.rightsPort(birthDateOf(inv)),
      invoiceNumbers: this.store,
    });
    const to = STATE_OF[result.outcome];
    const cause = from === 'received' ? 'preflight' : 'preflight-rights-answer';
    if (to !== 'awaiting-rights') {
      await this.store.settle(inv, from, to, { findings: result.findings, cause, actor: ACTOR });
      this.log.info({ invoiceId: inv.id, version: inv.version, state: to, codes: result.findings.map((f) => f.code) }, 'FIDES pre-flight');
      return;
    }
    if (!this.rights) {
      await this.store.settle(inv, from, to, {
        findings: [...result.findings, CDRI_NOT_CONFIGURED],
        cause: 'preflight-no-cdri',
        actor: ACTOR,
        nextLookMs: this.opts.rightsCheckTimeoutMs,
      });
      return;
    }
    const check = await this.askRights(inv, previous);
    await this.store.settle(inv, from, to, {
      findings: result.findings,
      cause: 'preflight-rights-check-queued',
      actor: ACTOR,
      check,
      nextLookMs: this.pollMs(),
    });
  }

  /**
   * Queues the CDRi check pre-flight needs. A check still pending (timed out: its job was lost) is queued again
   * under the same key; otherwise (first ask, or the last check failed or was answered and is already too old) a new one.
   */
  private async askRights(inv: LeasedInvoice, previous: AmoRightsCheckState | undefined): Promise<AwaitedCheck> {
    const query = rightsQueryFor(inv.draft);
    // needs-rights-check implies an askable query (run-preflight: only then do the CDRi rules wait).
    if (!query) throw new Error('pre-flight asked for a rights check it cannot describe');
    const attempts = previous === 'pending' ? Math.max(inv.rightsAttempts, 1) : inv.rightsAttempts + 1;
    const queued = await this.rights!.queueCheck({
      beneficiaryNir: query.beneficiaryNir,
      insuredNir: query.insuredNir,
      birthDate: birthDateOf(inv),
      dateOfCare: query.dateOfCare,
      finess: query.finess,
      requestedBy: ACTOR,
      idempotencyKey: `fides:${inv.id}:v${inv.version}:${attempts}`,
      correlationId: randomUUID(),
    });
    return { checkId: queued.checkId, askedAt: this.now(), attempts };
  }

  private async answeredSince(inv: LeasedInvoice): Promise<boolean> {
    const query = rightsQueryFor(inv.draft);
    if (!query || !this.rights || !inv.rightsAskedAt) return false;
    const latest = await this.rights.latestAnswer({
      beneficiaryNir: query.beneficiaryNir,
      insuredNir: query.insuredNir,
      birthDate: birthDateOf(inv),
    });
    return latest !== undefined && latest.answeredAt.getTime() >= inv.rightsAskedAt.getTime();
  }

  private rightsPort(birthDate: string | undefined): LatestRightsAnswerPort {
    const rights = this.rights;
    return {
      latestRightsAnswer: (q) =>
        rights
          ? rights.latestAnswer({ beneficiaryNir: q.beneficiaryNir, insuredNir: q.insuredNir, birthDate })
          : Promise.resolve(undefined),
    };
  }

  /** How soon a waiting invoice is looked at again: the worker's own interval. */
  private pollMs(): number {
    return this.opts.intervalMs;
  }

  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }
}
