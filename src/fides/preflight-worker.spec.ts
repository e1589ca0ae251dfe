import { computeNirKey } from '../identifiers';
import type { AmoRightsCheckRequest, AmoRightsCheckState, AmoRightsService, AmoRightsSnapshot } from '../platform/amo-rights';
import type { AppLogger } from '../observability/logger';
import type { InvoiceDraft } from './invoice-draft';
import type { InvoiceState } from './invoice-state';
import type { AwaitedCheck, LeasedInvoice, PreflightStorePort } from './invoice.store';
import type { PreflightFinding } from './preflight';
import { cleanDraft, DAY_MS, INSURED, NOW } from './preflight/preflight.test-support';
import { CDRI_NOT_CONFIGURED, dayIn, PreflightWorker } from './preflight-worker';

const NIR = INSURED + computeNirKey(INSURED);
const TIMEOUT_MS = 60_000;

interface Row {
  inv: LeasedInvoice;
  leaseUntil: number;
  findings?: readonly PreflightFinding[];
  moves: string[];
}

/** The store's contract in memory: leases, conditional settles, snoozes. */
class MemoryStore implements PreflightStorePort {
  readonly rows = new Map<string, Row>();
  constructor(private readonly clock: () => Date) {}

  add(id: string, draft: InvoiceDraft, state: InvoiceState = 'received'): void {
    const inv: LeasedInvoice = {
      id,
      finess: draft.geographicFiness,
      invoiceNumber: draft.invoiceNumber,
      version: 1,
      source: 'fhir-claim',
      contentHash: 'h',
      draft,
      state,
      submittedBy: 't',
      receivedAt: NOW,
      updatedAt: NOW,
      rightsAttempts: 0,
    };
    this.rows.set(id, { inv, leaseUntil: 0, moves: [] });
  }

  row(id: string): Row {
    return this.rows.get(id)!;
  }

  async lease(state: InvoiceState, limit: number, leaseMs: number): Promise<LeasedInvoice[]> {
    const now = this.clock().getTime();
    const free = [...this.rows.values()].filter((r) => r.inv.state === state && r.leaseUntil <= now).slice(0, limit);
    for (const r of free) r.leaseUntil = now + leaseMs;
    return free.map((r) => ({ ...r.inv }));
  }

  async settle(
    inv: Pick<LeasedInvoice, 'id' | 'version'>,
    from: InvoiceState,
    to: InvoiceState,
    o: { findings: readonly PreflightFinding[]; cause: string; check?: AwaitedCheck; nextLookMs?: number },
  ): Promise<boolean> {
    const r = this.row(inv.id);
    if (r.inv.state !== from || r.inv.version !== inv.version) return false;
    r.inv = {
      ...r.inv,
      state: to,
      rightsCheckId: o.check?.checkId ?? r.inv.rightsCheckId,
      rightsAskedAt: o.check?.askedAt ?? r.inv.rightsAskedAt,
      rightsAttempts: o.check?.attempts ?? r.inv.rightsAttempts,
    };
    r.findings = o.findings;
    r.leaseUntil = o.nextLookMs ? this.clock().getTime() + o.nextLookMs : 0;
    if (from !== to) r.moves.push(`${from}→${to} (${o.cause})`);
    return true;
  }

  async snooze(id: string, nextLookMs: number): Promise<void> {
    this.row(id).leaseUntil = this.clock().getTime() + nextLookMs;
  }

  async isInvoiceNumberTaken(): Promise<boolean> {
    return false;
  }
}

/** CDRi as the AMO_RIGHTS service shows it: answers by NIR, checks idempotent on their key. */
class FakeRights implements AmoRightsService {
  readonly answers = new Map<string, AmoRightsSnapshot>();
  readonly checks = new Map<string, { id: string; state: AmoRightsCheckState }>();
  readonly queued: AmoRightsCheckRequest[] = [];

  async latestAnswer(s: { beneficiaryNir: string }): Promise<AmoRightsSnapshot | undefined> {
    return this.answers.get(s.beneficiaryNir);
  }

  async queueCheck(req: AmoRightsCheckRequest): Promise<{ checkId: string; state: AmoRightsCheckState }> {
    this.queued.push(req);
    const check = this.checks.get(req.idempotencyKey) ?? { id: `check-${this.checks.size + 1}`, state: 'pending' as const };
    this.checks.set(req.idempotencyKey, check);
    return { checkId: check.id, state: check.state };
  }

  async checkState(id: string): Promise<AmoRightsCheckState | undefined> {
    return [...this.checks.values()].find((c) => c.id === id)?.state;
  }

  answer(key: string, state: AmoRightsCheckState, snapshot?: Omit<AmoRightsSnapshot, 'checkId' | 'answeredAt'>, at = NOW): void {
    const check = this.checks.get(key)!;
    check.state = state;
    if (snapshot) this.answers.set(NIR, { ...snapshot, checkId: check.id, answeredAt: at });
  }
}

const OPEN = { status: 'OPEN', grandRegime: '01', caisse: '751', periods: [{ start: '2025-01-01' }], exonerations: [] };
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined } as unknown as AppLogger;

function setup(withRights = true) {
  let now = NOW.getTime();
  const clock = () => new Date(now);
  const store = new MemoryStore(clock);
  const rights = new FakeRights();
  const worker = new PreflightWorker(
    store,
    withRights ? rights : undefined,
    {
      rightsMaxAgeMs: 72 * 3_600_000,
      batchSize: 2,
      intervalMs: 1000,
      rightsCheckTimeoutMs: TIMEOUT_MS,
      timeZone: 'Europe/Paris',
      leaseMs: 30_000,
      now: clock,
    },
    silent,
  );
  return { store, rights, worker, advance: (ms: number) => (now += ms) };
}

describe('PreflightWorker', () => {
  it('takes "today" in the establishment time zone', () => {
    expect(dayIn('Europe/Paris', new Date('2026-03-09T23:30:00Z'))).toBe('2026-03-10');
    expect(dayIn('UTC', new Date('2026-03-09T23:30:00Z'))).toBe('2026-03-09');
  });

  it('moves a clean invoice with a fresh answer to ready, and a broken one to preflight-failed without asking CDRi', async () => {
    const { store, rights, worker } = setup();
    rights.answers.set(NIR, { ...OPEN, checkId: 'c0', answeredAt: new Date(NOW.getTime() - DAY_MS) });
    store.add('a', cleanDraft());
    store.add('b', { ...cleanDraft(), patient: { ...cleanDraft().patient, beneficiaryRank: '001' } });
    store.add('c', cleanDraft());
    // Batches of two until none is left.
    expect(await worker.drainReceived()).toBe(3);
    expect(store.row('a').moves).toEqual(['received→ready (preflight)']);
    expect(store.row('b').moves).toEqual(['received→preflight-failed (preflight)']);
    expect(store.row('b').findings?.map((f) => f.code)).toEqual(['PF-RANK-REGIME']);
    expect(rights.queued).toEqual([]);
  });

  it('no answer: queues a check keyed by invoice, version and attempt; waits; the answer clears or holds it', async () => {
    const { store, rights, worker, advance } = setup();
    store.add('a', cleanDraft());
    store.add('b', cleanDraft());
    await worker.drainReceived();
    expect(store.row('a').moves).toEqual(['received→awaiting-rights (preflight-rights-check-queued)']);
    expect(rights.queued.map((q) => [q.idempotencyKey, q.beneficiaryNir, q.dateOfCare, q.requestedBy])).toEqual([
      ['fides:a:v1:1', NIR, '2026-03-02', 'fides-preflight'],
      ['fides:b:v1:1', NIR, '2026-03-02', 'fides-preflight'],
    ]);

    // Still pending: left alone (no new check, no move).
    advance(1000);
    await worker.recheckAwaiting();
    expect(rights.queued).toHaveLength(2);

    // a's check answered: CLOSED rights hold both (b's own check is still pending: the answer is per beneficiary).
    advance(1000);
    rights.answer(
      'fides:a:v1:1',
      'answered',
      { ...OPEN, status: 'CLOSED', periods: [{ start: '2025-01-01', end: '2026-02-28' }] },
      new Date(NOW.getTime() + 1000),
    );
    await worker.recheckAwaiting();
    expect(store.row('a').moves[1]).toBe('awaiting-rights→preflight-failed (preflight-rights-answer)');
    expect(store.row('a').findings?.map((f) => f.code)).toContain('PF-CDRI-RIGHTS-CLOSED');
    expect(store.row('a').findings?.[0].field).toBe('lines[0].careDate');
    expect(store.row('b').inv.state).toBe('preflight-failed');
  });

  it('a check pending past the timeout is queued again under the same key (a lost job); a failed one anew, after the timeout', async () => {
    const { store, rights, worker, advance } = setup();
    store.add('a', cleanDraft());
    await worker.drainReceived();
    advance(TIMEOUT_MS + 1);
    await worker.recheckAwaiting();
    expect(rights.queued.map((q) => q.idempotencyKey)).toEqual(['fides:a:v1:1', 'fides:a:v1:1']);
    expect(store.row('a').inv.state).toBe('awaiting-rights');

    rights.answer('fides:a:v1:1', 'failed');
    advance(2000);
    await worker.recheckAwaiting();
    // Failed a moment ago: not asked again before the timeout.
    expect(rights.queued).toHaveLength(2);
    advance(TIMEOUT_MS);
    await worker.recheckAwaiting();
    expect(rights.queued.map((q) => q.idempotencyKey)).toEqual(['fides:a:v1:1', 'fides:a:v1:1', 'fides:a:v1:2']);

    rights.answer('fides:a:v1:2', 'answered', OPEN, new Date(NOW.getTime() + TIMEOUT_MS * 2));
    advance(2000);
    await worker.recheckAwaiting();
    expect(store.row('a').inv.state).toBe('ready');
  });

  it('a stale answer (older than the configured age) asks again instead of judging by it', async () => {
    const { store, rights, worker } = setup();
    rights.answers.set(NIR, { ...OPEN, status: 'CLOSED', checkId: 'old', answeredAt: new Date(NOW.getTime() - 4 * DAY_MS) });
    store.add('a', cleanDraft());
    await worker.drainReceived();
    expect(store.row('a').inv.state).toBe('awaiting-rights');
    expect(store.row('a').findings?.map((f) => f.code)).toEqual(['PF-CDRI-STALE']);
    expect(rights.queued).toHaveLength(1);
  });

  it('without a CDRi service the invoice waits with PF-CDRI-NOT-CONFIGURED: never held, never ready', async () => {
    const { store, worker, advance } = setup(false);
    store.add('a', cleanDraft());
    await worker.drainReceived();
    expect(store.row('a').inv.state).toBe('awaiting-rights');
    expect(store.row('a').findings).toEqual([expect.objectContaining({ code: 'PF-CDRI-NONE' }), CDRI_NOT_CONFIGURED]);
    advance(TIMEOUT_MS + 1);
    await worker.recheckAwaiting();
    expect(store.row('a').inv.state).toBe('awaiting-rights');
  });

  it('an invoice moved by someone else meanwhile is left as it is', async () => {
    const { store, rights, worker } = setup();
    rights.answers.set(NIR, { ...OPEN, checkId: 'c0', answeredAt: NOW });
    store.add('a', cleanDraft());
    const settle = store.settle.bind(store);
    store.settle = async (inv, from, to, o) => {
      store.row(inv.id).inv.state = 'preflight-failed';
      return settle(inv, from, to, o);
    };
    await worker.drainReceived();
    expect(store.row('a').moves).toEqual([]);
  });
});
