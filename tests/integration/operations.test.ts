import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { MllpClient } from '../../src/hl7/mllp/mllp-client';
import { makeTestNir } from '../../src/simulators/cdri/simulated-patients';
import { eligibilityRequest } from '../support/fhir-requests';
import { expectValidFhir, prepareFhirSchema } from '../support/fhir-schema';
import { type GatewayFixture, headersAs, startGatewayFixture, TEST_KIOSK_KEY } from '../support/gateway-process';
import { buildA01, buildA05, buildA28, SAMPLE_BIRTH_DATE, SAMPLE_FAMILY, SAMPLE_GIVEN, SAMPLE_INSURED_NIR } from '../support/hl7-samples';
import { waitFor } from '../support/wait-for';

const MAIN = join(__dirname, '..', '..', 'dist', 'src', 'main.js');

describe('operating the gateway', () => {
  let fx: GatewayFixture;
  const nirs: string[] = [];

  beforeAll(async () => {
    // Compiled first: the seconds it takes would otherwise block the event loop mid-test, long enough for the
    // gateway to close an idle keep-alive socket that fetch then reuses ("other side closed").
    prepareFhirSchema();
    // The insurer probe is not cached here: the last test stops the simulator and expects /health to see it at once.
    fx = await startGatewayFixture({ queue: 'redis', env: { HEALTH_INSURER_PROBE_TTL_MS: '0' } });
  });

  afterAll(async () => {
    await fx?.close();
  });

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${fx.gateway.baseUrl}${path}`, { headers });

  it('refuses to boot on bad configuration, listing every bad variable, exit code 2', () => {
    const run = spawnSync(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH, HTTP_PORT: 'x', MLLP_PORT: '-1', REDIS_URL: 'nope', LOG_LEVEL: 'chatty' },
      encoding: 'utf8',
      timeout: 20000,
    });
    expect(run.status).toBe(2);
    for (const v of ['HTTP_PORT', 'MLLP_PORT', 'REDIS_URL', 'LOG_LEVEL']) expect(run.stderr).toContain(v);
  });

  it('runs a full day of traffic without a NIR, name or birth date in its logs', async () => {
    const mllp = new MllpClient({ host: '127.0.0.1', port: fx.gateway.mllpPort, timeoutMs: 10000 });
    await mllp.connect();
    for (let i = 0; i < 10; i++) {
      const nir = makeTestNir({ order: 300 + i, commune: 100 + i });
      nirs.push(nir);
      await mllp.send(buildA01({ controlId: `LOGS-A01-${i}`, nir }));
      await mllp.send(buildA05({ controlId: `LOGS-A05-${i}`, nir }));
      await mllp.send(buildA28({ controlId: `LOGS-A28-${i}`, nir }));
    }
    const badNir = nirs[0].slice(0, 13) + '00';
    nirs.push(badNir);
    await mllp.send(buildA01({ controlId: 'LOGS-BAD', nir: badNir }));
    await mllp.close();
    for (const order of [101, 450, 901, 960, 950]) {
      const nir = makeTestNir({ order, commune: 777 });
      nirs.push(nir);
      await fetch(`${fx.gateway.baseUrl}/fhir/CoverageEligibilityRequest/$submit`, {
        method: 'POST',
        headers: { 'content-type': 'application/fhir+json', 'X-API-Key': TEST_KIOSK_KEY },
        body: JSON.stringify(eligibilityRequest(nir, { birthDate: '1985-12-01' })),
      });
    }
    await fetch(`${fx.gateway.baseUrl}/fhir/CoverageEligibilityRequest/$submit`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', 'X-API-Key': TEST_KIOSK_KEY },
      body: JSON.stringify(eligibilityRequest(badNir)),
    });
    await waitFor('the queued checks', async () => nirs.slice(0, 10).every((n) => fx.simulator.callsFor(n) >= 1));

    const logs = fx.gateway.logs.join('');
    expect(logs).toContain('AMO rights answered');
    for (const nir of [...nirs, SAMPLE_INSURED_NIR]) expect(logs).not.toContain(nir);
    for (const secret of [SAMPLE_FAMILY, SAMPLE_GIVEN, SAMPLE_BIRTH_DATE, '1985-12-01', TEST_KIOSK_KEY]) expect(logs).not.toContain(secret);
  });

  it('reports health with each dependency, and production mode', async () => {
    const res = await get('/health', headersAs('operator'));
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.mode).toBe('production');
    expect(body.status).toBe('ok');
    // certificates: every configured one, by role (none here: "0 valid"); hl7-inbox: conflicts and parked messages.
    expect(Object.keys(body.checks).sort()).toEqual(['cdri', 'certificates', 'database', 'hl7-inbox', 'queue']);
    expect((await get('/health/ready')).status).toBe(200);
  });

  it('exposes Prometheus metrics for messages, ACK latency, insurer calls and queue depth', async () => {
    const text = await (await get('/metrics', headersAs('metrics'))).text();
    expect(text).toMatch(/passerelle_hl7_messages_total\{event="A01",ack="AA"\} [1-9]/);
    expect(text).toContain('passerelle_hl7_ack_latency_seconds_bucket');
    expect(text).toMatch(/passerelle_insurer_call_duration_seconds_count\{service="cdri",outcome="ok"\} [1-9]/);
    expect(text).toMatch(/passerelle_insurer_errors_total\{service="cdri",code="INSURER_UNAVAILABLE"\} [1-9]/);
    expect(text).toContain('passerelle_queue_jobs{queue="cdri-check",state="waiting"}');
    for (const nir of nirs) expect(text).not.toContain(nir);
  });

  it('echoes a correlation id and carries it into the logs of the work it caused', async () => {
    const res = await fetch(`${fx.gateway.baseUrl}/fhir/CoverageEligibilityRequest/$submit`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', 'X-API-Key': TEST_KIOSK_KEY, 'X-Correlation-Id': 'kiosk-corr-123456' },
      body: JSON.stringify(eligibilityRequest(makeTestNir({ order: 131 }))),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-correlation-id')).toBe('kiosk-corr-123456');
    expectValidFhir(await res.json());
    await waitFor('the log line', async () => fx.gateway.logs.join('').includes('kiosk-corr-123456'));
    const line = fx.gateway.logs
      .join('')
      .split('\n')
      .find((l) => l.includes('kiosk-corr-123456'))!;
    expect(JSON.parse(line)).toMatchObject({ correlationId: 'kiosk-corr-123456', msg: 'AMO rights answered' });
  });

  it('serves an OpenAPI document whose paths are exactly the routes the server maps', async () => {
    const doc = (await (await get('/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths)
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`))
      .sort();
    const mapped = [...fx.gateway.logs.join('').matchAll(/Mapped \{([^,]+), (\w+)\} route/g)]
      .map(([, path, method]) => `${method} ${path.replace(/\\\\\$/g, '$').replace(/:(\w+)/g, '{$1}')}`)
      .sort();
    expect(mapped.length).toBeGreaterThan(5);
    expect(documented).toEqual(mapped);
    // The CapabilityStatement actually served lists exactly the /fhir routes mapped (read from the same
    // declarations), as valid FHIR R4.
    const cs = (await (await get('/fhir/metadata')).json()) as any;
    expectValidFhir(cs);
    const listed = cs.rest[0].resource.flatMap((r: any) => [
      ...(r.interaction ?? []).map(() => `GET /fhir/${r.type}/{id}`),
      ...(r.operation ?? []).map((o: any) => `POST /fhir/${r.type}/$${o.name}`),
    ]);
    expect([...listed, 'GET /fhir/metadata'].sort()).toEqual(mapped.filter((m) => m.includes(' /fhir/')));
  });

  it('reports the insurer down as degraded (not down) and stops gracefully on SIGTERM', async () => {
    await fx.simulator.stop();
    const body = (await (await get('/health', headersAs('operator'))).json()) as any;
    expect(body.checks.cdri.status).toBe('down');
    expect(body.status).toBe('degraded');
    await fx.simulator.start();
    const code = await fx.gateway.stop();
    if (code !== 0) throw new Error(`exit ${code}:\n${fx.gateway.logs.slice(-5).join('')}`);
  });
});
