import { Client } from 'fhir-kit-client';
import { makeTestNir } from '../../src/simulators/cdri/simulated-patients';
import { eligibilityRequest } from '../support/fhir-requests';
import { expectValidFhir, prepareFhirSchema } from '../support/fhir-schema';
import { type GatewayFixture, startGatewayFixture, TEST_KIOSK_KEY } from '../support/gateway-process';

type Outcome = { resourceType: string; issue: Array<{ code: string; diagnostics: string; expression?: string[] }> };

/** Runs a FHIR call that must fail; returns its HTTP status and OperationOutcome (checked against the R4 schema). */
async function failure(call: Promise<unknown>): Promise<{ status: number; outcome: Outcome }> {
  try {
    await call;
  } catch (err) {
    const response = (err as { response?: { status: number; data: unknown } }).response;
    if (!response) throw err;
    const data = typeof response.data === 'string' ? JSON.parse(response.data) : response.data;
    expectValidFhir(data);
    return { status: response.status, outcome: data as Outcome };
  }
  throw new Error('the call succeeded but should have failed');
}

describe('FHIR R4 kiosk path against a real gateway (fhir-kit-client)', () => {
  let fx: GatewayFixture;
  let fhir: Client;
  const submit = (input: object, client = fhir) =>
    client.operation({ name: '$submit', resourceType: 'CoverageEligibilityRequest', input: input as never });

  beforeAll(async () => {
    // Compiled first: the seconds it takes would otherwise block the event loop mid-test, long enough for the
    // gateway to close an idle keep-alive socket that fetch then reuses ("other side closed").
    prepareFhirSchema();
    fx = await startGatewayFixture({
      queue: 'redis',
      env: { CDRI_TIMEOUT_MS: '1500', KIOSK_RATE_LIMIT_PER_MINUTE: '60', KIOSK_RATE_LIMIT_BURST: '60' },
    });
    fhir = new Client({ baseUrl: `${fx.gateway.baseUrl}/fhir`, customHeaders: { 'X-API-Key': TEST_KIOSK_KEY } });
  });

  afterAll(async () => {
    await fx?.close();
  });

  it('publishes a CapabilityStatement listing the $submit operation and the read', async () => {
    const cs = (await fhir.capabilityStatement()) as any;
    expect(cs.resourceType).toBe('CapabilityStatement');
    expect(cs.fhirVersion).toBe('4.0.1');
    expectValidFhir(cs);
    const types = cs.rest[0].resource.map((r: any) => r.type);
    expect(types).toEqual(expect.arrayContaining(['CoverageEligibilityRequest', 'CoverageEligibilityResponse']));
  });

  it('checks rights synchronously and reads the stored answer back', async () => {
    const nir = makeTestNir({ order: 450 });
    const res = (await submit(eligibilityRequest(nir))) as any;
    expect(res.resourceType).toBe('CoverageEligibilityResponse');
    expectValidFhir(res);
    expect(res.outcome).toBe('complete');
    expect(res.insurance[0].inforce).toBe(true);
    const exo = res.insurance[0].extension.find((e: any) => e.url.endsWith('exoneration-ticket-moderateur'));
    expect(exo.valueCoding.display).toContain('ALD');
    const read = (await fhir.read({ resourceType: 'CoverageEligibilityResponse', id: res.id })) as any;
    expect(read.id).toBe(res.id);
    expectValidFhir(read);
    expect(read.extension.find((e: any) => e.url.endsWith('rights-answer-expires')).valueDateTime > read.created).toBe(true);
  });

  it('reports closed rights and unknown patients as answers, not errors', async () => {
    const closed = (await submit(eligibilityRequest(makeTestNir({ order: 401 })))) as any;
    expect(closed.insurance[0].inforce).toBe(false);
    const unknown = (await submit(eligibilityRequest(makeTestNir({ order: 901 })))) as any;
    expect(unknown.error[0].code.text).toContain('unknown');
    expectValidFhir(closed);
    expectValidFhir(unknown);
  });

  it('asks the insurer once for a repeated request identifier', async () => {
    const nir = makeTestNir({ order: 120 });
    const a = (await submit(eligibilityRequest(nir, { identifier: 'urn:uuid:7d3c1d2e-0000-4000-8000-000000000001' }))) as any;
    const b = (await submit(eligibilityRequest(nir, { identifier: 'urn:uuid:7d3c1d2e-0000-4000-8000-000000000001' }))) as any;
    expect(b.id).toBe(a.id);
    expectValidFhir(b);
    expect(fx.simulator.callsFor(nir)).toBe(1);
  });

  it("answers 409 naming the identifier when it is reused for another patient, never the first patient's answer", async () => {
    // The first patient's rights are closed; the second's open: a reused identifier once returned CLOSED as OPEN's.
    const closed = makeTestNir({ order: 402 });
    const open = makeTestNir({ order: 123 });
    const id = 'urn:uuid:7d3c1d2e-0000-4000-8000-000000000003';
    const first = (await submit(eligibilityRequest(closed, { identifier: id }))) as any;
    expect(first.insurance[0].inforce).toBe(false);
    const reused = await failure(submit(eligibilityRequest(open, { identifier: id })));
    expect(reused.status).toBe(409);
    expect(reused.outcome.issue[0]).toMatchObject({ code: 'conflict', expression: ['CoverageEligibilityRequest.identifier'] });
    expect(reused.outcome.issue[0].diagnostics).toContain(id);
    expect(JSON.stringify(reused.outcome)).not.toContain(closed);
    expect(fx.simulator.callsFor(open)).toBe(0);
  });

  it.each([
    {
      what: 'an invalid NIR key',
      status: 400,
      code: 'invalid',
      expression: 'CoverageEligibilityRequest.contained.Patient.identifier[0].value',
      build: () => eligibilityRequest(makeTestNir({ order: 121 }).slice(0, 13) + '00'),
    },
    {
      what: 'a NIA instead of a NIR',
      status: 422,
      code: 'business-rule',
      expression: 'CoverageEligibilityRequest.contained.Patient.identifier[0]',
      build: () => eligibilityRequest('180017505612375', { system: 'urn:oid:1.2.250.1.213.1.4.9' }),
    },
    { what: 'a wrong resource type', status: 400, code: 'invalid', expression: 'resourceType', build: () => ({ resourceType: 'Patient' }) },
    {
      what: 'a bad servicedDate',
      status: 400,
      code: 'invalid',
      expression: 'CoverageEligibilityRequest.servicedDate',
      build: () => eligibilityRequest(makeTestNir({ order: 122 }), { servicedDate: '23/11/2026' }),
    },
  ])('answers $what with HTTP $status and an OperationOutcome ($code) naming the field', async ({ build, status, code, expression }) => {
    const { status: got, outcome } = await failure(submit(build()));
    expect(got).toBe(status);
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue[0].code).toBe(code);
    expect(outcome.issue[0].expression).toEqual([expression]);
  });

  it('refuses a kiosk without a valid API key (401)', async () => {
    const anonymous = new Client({ baseUrl: `${fx.gateway.baseUrl}/fhir`, customHeaders: { 'X-API-Key': 'not-a-key' } });
    const { status, outcome } = await failure(submit(eligibilityRequest(makeTestNir({ order: 123 })), anonymous));
    expect(status).toBe(401);
    expect(outcome.issue[0].code).toBe('login');
  });

  it('answers 404 with an OperationOutcome for an unknown response id', async () => {
    const { status, outcome } = await failure(
      fhir.read({ resourceType: 'CoverageEligibilityResponse', id: '00000000-0000-4000-8000-000000000000' }),
    );
    expect(status).toBe(404);
    expect(outcome.issue[0].code).toBe('not-found');
  });

  it.each([
    { what: 'an insurer HTTP 500', order: 960, status: 502, code: 'transient' },
    { what: 'an insurer too slow for the timeout', order: 970, status: 504, code: 'timeout' },
    { what: 'an insurer asking to slow down (429)', order: 980, status: 503, code: 'transient' },
    { what: 'an insurer refusing the request as invalid', order: 950, status: 422, code: 'business-rule' },
  ])('turns $what into HTTP $status ($code)', async ({ order, status, code }) => {
    const { status: got, outcome } = await failure(submit(eligibilityRequest(makeTestNir({ order }))));
    expect(got).toBe(status);
    expect(outcome.issue[0].code).toBe(code);
  });

  it("passes the insurer's own Retry-After on to the kiosk's 503 (not a fixed value of ours)", async () => {
    // 17 s: a value neither the simulator's default (1) nor the gateway's fallback (5) could produce.
    fx.simulator.configure({ rateLimitedRetryAfterSeconds: 17 });
    try {
      const res = await fetch(`${fx.gateway.baseUrl}/fhir/CoverageEligibilityRequest/$submit`, {
        method: 'POST',
        headers: { 'X-API-Key': TEST_KIOSK_KEY, 'Content-Type': 'application/fhir+json' },
        body: JSON.stringify(eligibilityRequest(makeTestNir({ order: 982 }))),
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('17');
      expect(((await res.json()) as Outcome).issue[0].code).toBe('transient');
    } finally {
      fx.simulator.configure({ rateLimitedRetryAfterSeconds: undefined });
    }
  });

  it('turns a SOAP fault injected by the simulator into 502', async () => {
    fx.simulator.configure({ faults: { rate5xx: 0, rateTimeout: 0, rate429: 0, rateFault: 1 } });
    const fault = await failure(submit(eligibilityRequest(makeTestNir({ order: 130 }))));
    fx.simulator.configure({ faults: { rate5xx: 0, rateTimeout: 0, rate429: 0, rateFault: 0 } });
    expect(fault.status).toBe(502);
    expect(fault.outcome.issue[0].diagnostics).toContain('fault');
  });

  it('answers 409 when a request identifier whose check failed is sent again', async () => {
    const input = eligibilityRequest(makeTestNir({ order: 961 }), { identifier: 'urn:uuid:7d3c1d2e-0000-4000-8000-000000000002' });
    expect((await failure(submit(input))).status).toBe(502);
    const again = await failure(submit(input));
    expect(again.status).toBe(409);
    expect(again.outcome.issue[0].code).toBe('conflict');
  });

  it('rate-limits a kiosk with 429, Retry-After and an OperationOutcome', async () => {
    const results = await Promise.all(
      Array.from({ length: 80 }, () =>
        fetch(`${fx.gateway.baseUrl}/fhir/CoverageEligibilityResponse/00000000-0000-4000-8000-000000000000`, {
          headers: { 'X-API-Key': TEST_KIOSK_KEY },
        }),
      ),
    );
    const limited = results.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(Number(limited[0].headers.get('retry-after'))).toBeGreaterThan(0);
    const throttled = (await limited[0].json()) as Outcome;
    expect(throttled.issue[0].code).toBe('throttled');
    expectValidFhir(throttled);
    const notFound = results.find((r) => r.status === 404);
    if (notFound) expectValidFhir(await notFound.json());
  });
});
