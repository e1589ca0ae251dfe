import { GatewayError } from '../common/gateway-error';
import { createLogger } from '../observability/logger';
import { Metrics } from '../observability/metrics';
import { makeTestNir } from '../simulators/cdri/simulated-patients';
import { type AmoRightsAnswer, AmoRightsError, type AmoRightsGateway, type AmoRightsQuery } from './amo-rights.port';
import { CheckRightsUseCase, type RightsRequest } from './check-rights.use-case';
import { InMemoryRightsCheckStore, OPEN_ANSWER, ScriptedInsurer } from './rights-check.store.test-support';

const TTL_SECONDS = 3600;
const NIR = makeTestNir({ order: 120 });
const log = createLogger('silent');
const metrics = new Metrics();

function kioskRequest(over: Partial<RightsRequest> = {}): RightsRequest {
  return {
    nir: NIR,
    nirField: 'CoverageEligibilityRequest.patient',
    dateOfCare: '2026-12-01',
    finess: '010000024',
    source: 'fhir',
    requestedBy: 'kiosk-1',
    idempotencyKey: 'fhir:kiosk-1:req-1',
    correlationId: 'corr-1',
    ...over,
  };
}

function setup(script: Array<AmoRightsAnswer | AmoRightsError>) {
  const store = new InMemoryRightsCheckStore();
  const insurer = new ScriptedInsurer(script);
  return { store, insurer, useCase: new CheckRightsUseCase(store, insurer, TTL_SECONDS, metrics, log) };
}

function pendingHl7(store: InMemoryRightsCheckStore) {
  return store.addPending({
    idempotencyKey: 'hl7:inbox-1',
    correlationId: 'corr-hl7',
    nir: NIR,
    birthDate: null,
    dateOfCare: '2026-12-01',
    finess: '010000024',
    requestedBy: 'GAP',
  });
}

describe('CheckRightsUseCase.checkNow (kiosk)', () => {
  it('asks the insurer under the check id and stores question and answer as one answered row holding for the TTL', async () => {
    const { store, insurer, useCase } = setup([OPEN_ANSWER]);
    const check = await useCase.checkNow(kioskRequest());

    expect(check).toMatchObject({ state: 'answered', rightsStatus: 'OPEN', attempts: 1, idempotencyKey: 'fhir:kiosk-1:req-1' });
    expect(insurer.queries).toHaveLength(1);
    expect(insurer.queries[0].requestId).toBe(check.id);
    expect(check.expiresAt!.getTime() - check.answeredAt!.getTime()).toBe(TTL_SECONDS * 1000);
    expect([...store.rows.values()]).toHaveLength(1);
  });

  it('answers a repeated request identifier with the stored check, without asking again', async () => {
    const { store, insurer, useCase } = setup([OPEN_ANSWER]);
    const first = await useCase.checkNow(kioskRequest());
    const again = await useCase.checkNow(kioskRequest({ correlationId: 'corr-2' }));

    expect(again.id).toBe(first.id);
    expect(insurer.queries).toHaveLength(1);
    expect(store.rows.size).toBe(1);
  });

  it('refuses a reused identifier for another patient (409 naming the identifier), never answering with the stored check', async () => {
    const { store, insurer, useCase } = setup([OPEN_ANSWER, OPEN_ANSWER]);
    await useCase.checkNow(kioskRequest());
    const label = { field: 'CoverageEligibilityRequest.identifier', value: 'req-1' };
    for (const other of [
      { nir: makeTestNir({ order: 121 }) },
      { dateOfCare: '2026-12-02' },
      { finess: '750712184' },
      { birthDate: '1980-01-01' },
    ]) {
      const err = await useCase.checkNow(kioskRequest({ ...other, idempotencyLabel: label })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GatewayError);
      expect(err).toMatchObject({ code: 'CONFLICT', field: 'CoverageEligibilityRequest.identifier' });
      expect((err as GatewayError).message).toContain('"req-1"');
    }
    expect(insurer.queries).toHaveLength(1);
    expect(store.rows.size).toBe(1);
  });

  it('stores each request without an identifier as its own check', async () => {
    const { store, useCase } = setup([OPEN_ANSWER, OPEN_ANSWER]);
    await useCase.checkNow(kioskRequest({ idempotencyKey: undefined }));
    await useCase.checkNow(kioskRequest({ idempotencyKey: undefined }));
    expect(store.rows.size).toBe(2);
  });

  it('returns the twin stored while it was asking when a concurrent request with the same identifier won', async () => {
    const store = new InMemoryRightsCheckStore();
    let twinId = '';
    // The twin commits while our insurer call is in flight: our insert must then yield to it.
    const insurer: AmoRightsGateway = {
      ping: async () => true,
      checkRights: async (q: AmoRightsQuery) => {
        const twin = await new CheckRightsUseCase(store, new ScriptedInsurer([OPEN_ANSWER]), TTL_SECONDS, metrics, log).checkNow(
          kioskRequest(),
        );
        twinId = twin.id;
        return { ...OPEN_ANSWER, insurerReference: `late-${q.requestId}` };
      },
    };
    const check = await new CheckRightsUseCase(store, insurer, TTL_SECONDS, metrics, log).checkNow(kioskRequest());

    expect(check.id).toBe(twinId);
    expect(store.rows.size).toBe(1);
  });

  it('stores a failed check with the insurer code and throws the mapped error; the identifier then returns it without asking', async () => {
    const { store, insurer, useCase } = setup([new AmoRightsError('INSURER_TIMEOUT', 'no answer in 5000 ms')]);
    const err = await useCase.checkNow(kioskRequest()).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).code).toBe('INSURER_TIMEOUT');
    const [row] = [...store.rows.values()];
    expect(row).toMatchObject({
      state: 'failed',
      errorCode: 'INSURER_TIMEOUT',
      errorMessage: (err as GatewayError).message,
      answer: null,
      expiresAt: null,
    });

    const again = await useCase.checkNow(kioskRequest());
    expect(again).toMatchObject({ id: row.id, state: 'failed' });
    expect(insurer.queries).toHaveLength(1);
  });

  it('refuses an invalid NIR naming the field, not the value, before storing or asking anything', async () => {
    const { store, insurer, useCase } = setup([]);
    const bad = NIR.slice(0, 13) + (NIR.endsWith('00') ? '01' : '00');
    const err = (await useCase.checkNow(kioskRequest({ nir: bad })).catch((e: unknown) => e)) as GatewayError;

    expect(err).toMatchObject({ code: 'INVALID_INPUT', field: 'CoverageEligibilityRequest.patient' });
    expect(err.message).not.toContain(bad);
    expect(store.rows.size).toBe(0);
    expect(insurer.queries).toHaveLength(0);
  });

  it('refuses a date of care that is not a YYYY-MM-DD date', async () => {
    const { useCase } = setup([]);
    await expect(useCase.checkNow(kioskRequest({ dateOfCare: '01/12/2026' }))).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      field: 'date of care',
    });
  });
});

describe('CheckRightsUseCase.execute (queued HL7 check)', () => {
  it('answers a pending check: answered, one more attempt, expiry at answer + TTL', async () => {
    const { store, insurer, useCase } = setup([OPEN_ANSWER]);
    const pending = pendingHl7(store);
    const done = await useCase.execute(pending, { final: false });

    const row = (await store.findById(pending.id))!;
    expect(row).toMatchObject({ state: 'answered', rightsStatus: 'OPEN', attempts: 1, errorCode: null });
    expect(row.expiresAt!.getTime() - row.answeredAt!.getTime()).toBe(TTL_SECONDS * 1000);
    expect(done.state).toBe('answered');
    expect(insurer.queries[0]).toMatchObject({ requestId: pending.id, nir: NIR, correlationId: 'corr-hl7' });
  });

  it('keeps a check pending after a transient error that is not the last attempt, recording the error', async () => {
    const { store, useCase } = setup([new AmoRightsError('INSURER_UNAVAILABLE', 'HTTP 503')]);
    const pending = pendingHl7(store);

    await expect(useCase.execute(pending, { final: false })).rejects.toMatchObject({ code: 'INSURER_UNAVAILABLE' });
    expect(await store.findById(pending.id)).toMatchObject({ state: 'pending', errorCode: 'INSURER_UNAVAILABLE', attempts: 1 });
  });

  it('fails the check on the last attempt of a transient error', async () => {
    const { store, useCase } = setup([new AmoRightsError('INSURER_TIMEOUT', 'timeout')]);
    const pending = pendingHl7(store);

    await expect(useCase.execute(pending, { final: true })).rejects.toBeInstanceOf(GatewayError);
    expect(await store.findById(pending.id)).toMatchObject({ state: 'failed', errorCode: 'INSURER_TIMEOUT' });
  });

  it('fails the check at once on a permanent error (insurer fault), even with attempts left', async () => {
    const { store, useCase } = setup([new AmoRightsError('INSURER_FAULT', 'fault', 'CDRI-042')]);
    const pending = pendingHl7(store);

    await expect(useCase.execute(pending, { final: false })).rejects.toMatchObject({ code: 'INSURER_REFUSED' });
    expect(await store.findById(pending.id)).toMatchObject({ state: 'failed', errorCode: 'INSURER_FAULT' });
  });

  it('does not overwrite a check another worker answered first', async () => {
    const { store, useCase } = setup([{ ...OPEN_ANSWER, status: 'CLOSED', insurerReference: 'second' }]);
    const pending = pendingHl7(store);
    await store.recordAnswer(pending.id, OPEN_ANSWER, new Date(), new Date());

    await useCase.execute(pending, { final: false });
    expect(await store.findById(pending.id)).toMatchObject({ rightsStatus: 'OPEN', attempts: 1, answer: { insurerReference: 'REF-1' } });
  });

  it('rethrows errors that are not insurer errors without recording a failure', async () => {
    const store = new InMemoryRightsCheckStore();
    const broken: AmoRightsGateway = {
      ping: async () => true,
      checkRights: async () => {
        throw new TypeError('bug');
      },
    };
    const pending = pendingHl7(store);

    await expect(new CheckRightsUseCase(store, broken, TTL_SECONDS, metrics, log).execute(pending, { final: true })).rejects.toThrow(
      TypeError,
    );
    expect(await store.findById(pending.id)).toMatchObject({ state: 'pending', attempts: 0 });
  });
});

describe('CheckRightsUseCase.findById', () => {
  it('finds a stored check and answers undefined for an id that is not a UUID', async () => {
    const { store, useCase } = setup([]);
    const pending = pendingHl7(store);
    expect((await useCase.findById(pending.id))?.id).toBe(pending.id);
    expect(await useCase.findById("1' OR '1'='1")).toBeUndefined();
  });
});
