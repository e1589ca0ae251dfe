/**
 * The simulated insurer's idempotency (IdRequete) and its front door (rate limit, concurrency cap, Retry-After), through
 * the real adapter over real sockets. No upper bound on any duration.
 */
import { AmoRightsError, type AmoRightsErrorCode, type AmoRightsQuery } from '../../src/cdri/amo-rights.port';
import { CdriSoapAdapter, type CdriSoapAdapterOptions } from '../../src/cdri/cdri-soap.adapter';
import { buildRightsRequest, type CdriContext } from '../../src/cdri/soap/cdri-soap.codec';
import { CdriSimulator } from '../../src/simulators/cdri/cdri-simulator';
import { makeTestNir } from '../../src/simulators/cdri/simulated-patients';
import { until } from '../support/wait-for';

const context: CdriContext = {
  softwareName: 'Passerelle',
  authorisationNumber: 'CNDA-TEST-0001',
  softwareVersion: '0.1.0',
  installId: '0b6f3c1e-8d0a-4b8e-9a57-1f2e3d4c5b6a',
};
const NO_FAULTS = { rate5xx: 0, rateTimeout: 0, rateFault: 0, rate429: 0 };

const query = (order: number, extra: Partial<AmoRightsQuery> = {}): AmoRightsQuery => ({
  nir: makeTestNir({ order }),
  dateOfCare: '2025-03-14',
  finess: '750000010',
  correlationId: `it-${order}`,
  ...extra,
});

async function expectFailure(promise: Promise<unknown>, code: AmoRightsErrorCode, q?: AmoRightsQuery): Promise<AmoRightsError> {
  const caught = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(caught).toBeInstanceOf(AmoRightsError);
  expect((caught as AmoRightsError).code).toBe(code);
  if (q) expect((caught as Error).message).not.toContain(q.nir.slice(0, 13));
  return caught as AmoRightsError;
}

describe('CDRi simulator: IdRequete and front-door limits, through the adapter', () => {
  const sim = new CdriSimulator();
  let url: string;
  let adapter: CdriSoapAdapter;
  const adapters: CdriSoapAdapter[] = [];
  const makeAdapter = (opts: Partial<CdriSoapAdapterOptions> = {}) =>
    adapters[adapters.push(new CdriSoapAdapter({ endpoint: url, timeoutMs: 5000, context, ...opts })) - 1];

  beforeAll(async () => {
    ({ url } = await sim.start());
    adapter = makeAdapter();
  });
  afterAll(async () => {
    adapters.forEach((a) => a.close());
    await sim.stop();
  });
  beforeEach(() => {
    sim.reset();
    sim.configure({
      latencyMs: 0,
      jitterMs: 0,
      faults: NO_FAULTS,
      maxConcurrent: undefined,
      rateLimitPerSecond: undefined,
      rateLimitedRetryAfterSeconds: undefined,
    });
  });

  it('answers a repeated requestId with the stored answer: one check, every call counted', async () => {
    const q = query(1, { requestId: 'chk-0001' });
    const first = await adapter.checkRights(q);
    // Rights change at the insurer: a repeat of the SAME question still gets the stored answer…
    sim.overrideRights(q.nir, {
      status: 'CLOSED',
      periods: [{ start: '2024-01-01', end: '2025-03-01' }],
      c2s: false,
      ame: false,
      maternity: false,
      insurerReference: 'OVR-2',
    });
    expect(await adapter.checkRights(q)).toEqual(first);
    expect(sim.callsFor(q.nir)).toBe(2);
    expect(sim.answeredFor(q.nir)).toBe(2);
    expect(sim.checksFor(q.nir)).toBe(1);
    // …a new question (new id) is checked again, and questions without an id are each a check of their own.
    expect((await adapter.checkRights({ ...q, requestId: 'chk-0002' })).status).toBe('CLOSED');
    const { requestId: _omit, ...noId } = q;
    await adapter.checkRights(noId);
    await adapter.checkRights(noId);
    expect(sim.checksFor(q.nir)).toBe(4);
    expect(sim.stats()).toMatchObject({ calls: 5, distinctChecks: 4, distinctNirs: 1 });
    expect(sim.stats().checksFor(q.nir)).toBe(4);
    expect(sim.checksFor(makeTestNir({ order: 2 }))).toBe(0);
  });

  it('keeps working on a question its client gave up on: the retry gets that answer, not a second check', async () => {
    sim.configure({ latencyMs: 300 });
    const q = query(3, { requestId: 'chk-late' });
    await expectFailure(makeAdapter({ timeoutMs: 50 }).checkRights(q), 'INSURER_TIMEOUT', q);
    await until(() => sim.checksFor(q.nir) === 1);
    sim.configure({ latencyMs: 0 });
    expect((await adapter.checkRights(q)).status).toBe('OPEN');
    expect(sim.checksFor(q.nir)).toBe(1);
    expect(sim.callsFor(q.nir)).toBe(2);
    expect(sim.answeredFor(q.nir)).toBe(1); // the first 200 was never sent: its client was gone
  });

  it('makes concurrent repeats of one requestId wait for the first instead of checking again', async () => {
    sim.configure({ latencyMs: 100 });
    const q = query(450, { requestId: 'chk-burst' });
    const answers = await Promise.all([1, 2, 3, 4, 5].map(() => adapter.checkRights(q)));
    answers.forEach((a) => expect(a).toEqual(answers[0]));
    expect(sim.callsFor(q.nir)).toBe(5);
    expect(sim.checksFor(q.nir)).toBe(1);
  });

  it('does not store transient failures: the same requestId is worked on again', async () => {
    const failing = query(960, { requestId: 'chk-500' });
    await expectFailure(adapter.checkRights(failing), 'INSURER_UNAVAILABLE', failing);
    await expectFailure(adapter.checkRights(failing), 'INSURER_UNAVAILABLE', failing);
    expect(sim.checksFor(failing.nir)).toBe(0);
    sim.configure({ faults: { ...NO_FAULTS, rate5xx: 1 } });
    const q = query(1, { requestId: 'chk-503' });
    await expectFailure(adapter.checkRights(q), 'INSURER_UNAVAILABLE', q);
    sim.configure({ faults: NO_FAULTS });
    expect((await adapter.checkRights(q)).status).toBe('OPEN');
    expect(sim.checksFor(q.nir)).toBe(1);
    // A Sender fault is the insurer's final word on the question: stored like an answer.
    const invalid = query(950, { requestId: 'chk-950' });
    await expectFailure(adapter.checkRights(invalid), 'INVALID_QUERY', invalid);
    await expectFailure(adapter.checkRights(invalid), 'INVALID_QUERY', invalid);
    expect(sim.checksFor(invalid.nir)).toBe(1);
  });

  it('refuses a requestId reused for another patient, and an unreadable requestId before any call', async () => {
    await adapter.checkRights(query(1, { requestId: 'chk-shared' }));
    const other = query(2, { requestId: 'chk-shared' });
    const err = await expectFailure(adapter.checkRights(other), 'INVALID_QUERY', other);
    expect(err.insurerCode).toBe('ID_REQUETE_REUTILISE');
    expect(sim.checksFor(other.nir)).toBe(0);
    await expectFailure(adapter.checkRights(query(1, { requestId: 'with space' })), 'INVALID_QUERY');
    await expectFailure(adapter.checkRights(query(1, { requestId: 'x'.repeat(65) })), 'INVALID_QUERY');
    expect(sim.stats().calls).toBe(2);
  });

  it('rate-limits 50 concurrent callers: one token, 49 × 429 carrying Retry-After into retryAfterMs', async () => {
    // 0.01/s: a burst of one, the next token in 100 s — whatever the machine's speed.
    sim.configure({ rateLimitPerSecond: 0.01 });
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => adapter.checkRights(query(1 + i))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const errors = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as AmoRightsError);
    expect(errors).toHaveLength(49);
    for (const err of errors) {
      expect(err).toMatchObject({ code: 'INSURER_RATE_LIMITED', insurerCode: 'HTTP_429', retryAfterMs: 100_000 });
      expect(err.transient).toBe(true);
    }
    expect(sim.stats()).toMatchObject({ calls: 50, rateLimitedServed: 49, answered: 1 });
  });

  it('refuses callers beyond maxConcurrent with 429 + Retry-After while 50 call at once', async () => {
    // The held latency keeps the admitted ones in flight while the others arrive.
    sim.configure({ maxConcurrent: 10, latencyMs: 1000 });
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => adapter.checkRights(query(1 + i))));
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    expect(ok).toBeGreaterThanOrEqual(1);
    expect(ok).toBeLessThanOrEqual(10);
    for (const r of results) {
      if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'INSURER_RATE_LIMITED', retryAfterMs: 1000 });
    }
    expect(sim.stats().rateLimitedServed).toBe(50 - ok);
  });

  it('sends Retry-After with every 429 on the wire (scenario and limiter)', async () => {
    const post = (order: number) =>
      fetch(url, { method: 'POST', body: buildRightsRequest(query(order), context), headers: { 'Content-Type': 'application/soap+xml' } });
    const scenario = await post(980);
    expect(scenario.status).toBe(429);
    expect(scenario.headers.get('retry-after')).toBe('1');
    sim.configure({ rateLimitedRetryAfterSeconds: 17 });
    expect((await post(981)).headers.get('retry-after')).toBe('17');
    await expect(adapter.checkRights(query(982))).rejects.toMatchObject({ code: 'INSURER_RATE_LIMITED', retryAfterMs: 17_000 });
    sim.configure({ rateLimitPerSecond: 0.5 });
    expect((await post(1)).status).toBe(200);
    const limited = await post(1);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});
