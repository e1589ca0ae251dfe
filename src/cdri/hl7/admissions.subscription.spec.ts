import { InboxDispatcher } from '../../hl7/inbox/inbox-dispatcher';
import { InMemoryInboxMessageStore } from '../../hl7/inbox/inbox-message.store.test-support';
import type { StoredAdtFacts } from '../../hl7/inbox/hl7-subscription';
import { createLogger } from '../../observability/logger';
import { makeTestNir } from '../../simulators/cdri/simulated-patients';
import { InMemoryPlannedEncounterStore } from '../lots/planned-encounter.store.test-support';
import { type QueuedCheckRef } from '../rights-check.store';
import { InMemoryRightsCheckStore } from '../rights-check.store.test-support';
import { Hl7AdmissionsSubscription } from './admissions.subscription';

const NIR = makeTestNir({ order: 130 });
const DEFAULT_FINESS = '010000024';

function setup(now: () => Date = () => new Date()) {
  const inbox = new InMemoryInboxMessageStore();
  const rightsChecks = new InMemoryRightsCheckStore(now);
  const plannedEncounters = new InMemoryPlannedEncounterStore();
  const queued: QueuedCheckRef[] = [];
  const log = createLogger('silent');
  const admissions = new Hl7AdmissionsSubscription(
    { rightsChecks, plannedEncounters },
    async (c) => void queued.push(...c),
    DEFAULT_FINESS,
    log,
  );
  // The HL7 outbox (plumbing) with CDRi's subscription, as the gateway wires them.
  const outbox = new InboxDispatcher(inbox, [admissions], log);
  const dispatcher = { drain: () => outbox.drain(), requeueStaleChecks: (limit?: number) => admissions.requeueStaleChecks(limit) };
  return { inbox, rightsChecks, plannedEncounters, queued, dispatcher };
}

const admission = (over: Partial<StoredAdtFacts> = {}): StoredAdtFacts => ({
  event: 'A01',
  nir: NIR,
  nirField: 'PID-3',
  dateOfCare: '2026-12-02',
  finess: '750000001',
  sendingApplication: 'GAP',
  ...over,
});

describe('HL7 outbox with the CDRi admissions subscription', () => {
  it('turns an admission into one pending check keyed on the inbox id, queues it and marks the message dispatched', async () => {
    const { inbox, rightsChecks, queued, dispatcher } = setup();
    inbox.addAccepted('m1', { ...admission() }, 'corr-m1');

    expect(await dispatcher.drain()).toBe(1);
    const check = (await rightsChecks.findByIdempotencyKey('hl7:m1'))!;
    expect(check).toMatchObject({
      state: 'pending',
      source: 'hl7',
      nir: NIR,
      dateOfCare: '2026-12-02',
      finess: '750000001',
      requestedBy: 'GAP',
    });
    expect(queued).toEqual([{ id: check.id, correlationId: 'corr-m1' }]);
    expect(await inbox.undispatched(10)).toEqual([]);
  });

  it('uses the default FINESS and sender when the message gave none', async () => {
    const { inbox, rightsChecks, dispatcher } = setup();
    inbox.addAccepted('m1', { ...admission({ finess: undefined, sendingApplication: undefined }) });
    await dispatcher.drain();
    expect(await rightsChecks.findByIdempotencyKey('hl7:m1')).toMatchObject({ finess: DEFAULT_FINESS, requestedBy: 'unknown' });
  });

  it('after a crash between queuing and marking, the next drain queues the same check again and creates no second one', async () => {
    const { inbox, rightsChecks, queued, dispatcher } = setup();
    inbox.addAccepted('m1', { ...admission() });
    inbox.failNextMarkDispatched = true;

    await expect(dispatcher.drain()).rejects.toThrow('connection lost');
    expect(await dispatcher.drain()).toBe(1);

    expect(rightsChecks.rows.size).toBe(1);
    expect(queued.map((q) => q.id)).toEqual([...rightsChecks.rows.keys(), ...rightsChecks.rows.keys()]);
  });

  it('does not queue again a check that was answered before its message was marked dispatched', async () => {
    const { inbox, rightsChecks, queued, dispatcher } = setup();
    inbox.addAccepted('m1', { ...admission() });
    inbox.failNextMarkDispatched = true;
    await dispatcher.drain().catch(() => undefined);
    const [id] = rightsChecks.rows.keys();
    await rightsChecks.recordAnswer(
      id,
      { status: 'OPEN', periods: [], c2s: false, ame: false, maternity: false, insurerReference: 'r' },
      new Date(),
      new Date(),
    );
    queued.length = 0;

    await dispatcher.drain();
    expect(queued).toEqual([]);
    expect(await inbox.undispatched(10)).toEqual([]);
  });

  it('records a planned encounter for A05 and A04, replaces it on a corrected A05 and cancels it on A38', async () => {
    const { inbox, plannedEncounters, rightsChecks, dispatcher } = setup();
    inbox.addAccepted('m1', { ...admission({ event: 'A05', visitNumber: 'V1', ipp: 'IPP1', familyName: 'DUPONT' }) });
    inbox.addAccepted('m2', { ...admission({ event: 'A04', visitNumber: 'V2' }) });
    await dispatcher.drain();
    expect(plannedEncounters.rows.get('750000001|V1')).toMatchObject({
      plannedDate: '2026-12-02',
      sourceEvent: 'A05',
      inboxMessageId: 'm1',
      familyName: 'DUPONT',
      cancelled: false,
    });
    expect(plannedEncounters.rows.get('750000001|V2')).toMatchObject({ sourceEvent: 'A04' });
    expect(rightsChecks.rows.size).toBe(2); // A05 and A04 also ask for the rights

    inbox.addAccepted('m3', { ...admission({ event: 'A05', visitNumber: 'V1', dateOfCare: '2026-12-05' }) });
    inbox.addAccepted('m4', { event: 'A38', visitNumber: 'V2', finess: '750000001' });
    await dispatcher.drain();
    expect(plannedEncounters.rows.get('750000001|V1')).toMatchObject({ plannedDate: '2026-12-05', inboxMessageId: 'm3' });
    expect(plannedEncounters.rows.get('750000001|V2')).toMatchObject({ cancelled: true });
    expect(rightsChecks.rows.size).toBe(3); // A38 asks nothing
  });

  it('marks a message with facts that fail validation as dispatched without a check (no retry forever)', async () => {
    const { inbox, rightsChecks, queued, dispatcher } = setup();
    inbox.addAccepted('m1', { ...admission({ dateOfCare: '2026-13-45' }) });
    inbox.addAccepted('m2', { ...admission() });

    expect(await dispatcher.drain()).toBe(2);
    expect(await rightsChecks.findByIdempotencyKey('hl7:m1')).toBeUndefined();
    expect(queued).toHaveLength(1);
    expect(await inbox.undispatched(10)).toEqual([]);
  });

  it('asks nothing for events that do not trigger a check, and for admissions without a NIR', async () => {
    const { inbox, rightsChecks, queued, dispatcher } = setup();
    inbox.addAccepted('m1', { event: 'A28', nir: NIR });
    inbox.addAccepted('m2', { ...admission({ nir: undefined }) });

    expect(await dispatcher.drain()).toBe(2);
    expect(rightsChecks.rows.size).toBe(0);
    expect(queued).toEqual([]);
  });

  it('drains more than one batch (500) in one call', async () => {
    const { inbox, rightsChecks, queued, dispatcher } = setup();
    for (let i = 0; i < 501; i++) inbox.addAccepted(`m${i}`, { ...admission() });

    expect(await dispatcher.drain()).toBe(501);
    expect(rightsChecks.rows.size).toBe(501);
    expect(new Set(queued.map((q) => q.id)).size).toBe(501);
  });

  it('shares one running drain between concurrent callers', async () => {
    const { inbox, dispatcher } = setup();
    inbox.addAccepted('m1', { ...admission() });
    const [a, b] = [dispatcher.drain(), dispatcher.drain()];
    expect(a).toBe(b);
    expect(await a).toBe(1);
  });

  it('requeues HL7 checks still pending more than two minutes after they were asked for, and only those', async () => {
    let now = new Date('2026-12-01T10:00:00Z');
    const { rightsChecks, queued, dispatcher } = setup(() => now);
    const base = { nir: NIR, birthDate: null, dateOfCare: '2026-12-01', finess: DEFAULT_FINESS, requestedBy: 'GAP' };
    const old = rightsChecks.addPending({ ...base, idempotencyKey: 'hl7:old', correlationId: 'c-old' }, new Date('2026-12-01T09:57:00Z'));
    rightsChecks.addPending({ ...base, idempotencyKey: 'hl7:recent', correlationId: 'c-recent' }, new Date('2026-12-01T09:59:00Z'));
    const answered = rightsChecks.addPending(
      { ...base, idempotencyKey: 'hl7:done', correlationId: 'c-done' },
      new Date('2026-12-01T09:50:00Z'),
    );
    await rightsChecks.recordAnswer(
      answered.id,
      { status: 'OPEN', periods: [], c2s: false, ame: false, maternity: false, insurerReference: 'r' },
      now,
      now,
    );

    expect(await dispatcher.requeueStaleChecks()).toBe(1);
    expect(queued).toEqual([{ id: old.id, correlationId: 'c-old' }]);

    now = new Date('2026-12-01T10:05:00Z');
    queued.length = 0;
    expect(await dispatcher.requeueStaleChecks()).toBe(2);
  });
});
