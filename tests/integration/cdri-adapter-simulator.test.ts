/** Adapter ↔ simulator over real sockets on 127.0.0.1 ephemeral ports. Timing: one lower bound only, never an upper one. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AmoRightsError, type AmoRightsErrorCode, type AmoRightsQuery } from '../../src/cdri/amo-rights.port';
import { CdriSoapAdapter, type CdriSoapAdapterOptions } from '../../src/cdri/cdri-soap.adapter';
import { type CdriContext } from '../../src/cdri/soap/cdri-soap.codec';
import { CdriSimulator } from '../../src/simulators/cdri/cdri-simulator';
import { FAMILY_TWINS_BIRTH_DATE, makeTestNir } from '../../src/simulators/cdri/simulated-patients';
import { until } from '../support/wait-for';

const context: CdriContext = {
  softwareName: 'Passerelle',
  authorisationNumber: 'CNDA-TEST-0001',
  softwareVersion: '0.1.0',
  installId: '0b6f3c1e-8d0a-4b8e-9a57-1f2e3d4c5b6a',
};
const BIRTH_DATE = '1980-01-15';
const NO_FAULTS = { rate5xx: 0, rateTimeout: 0, rateFault: 0, rate429: 0 };

const query = (order: number, extra: Partial<AmoRightsQuery> = {}): AmoRightsQuery => ({
  nir: makeTestNir({ order }),
  dateOfCare: '2025-03-14',
  finess: '750000010',
  correlationId: `it-${order}`,
  ...extra,
});

/** Awaits a rejection and checks it is a log-safe AmoRightsError with the expected code. */
async function expectFailure(promise: Promise<unknown>, code: AmoRightsErrorCode, q?: AmoRightsQuery): Promise<AmoRightsError> {
  const caught = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(caught).toBeInstanceOf(AmoRightsError);
  const err = caught as AmoRightsError;
  expect(err.code).toBe(code);
  for (const secret of [q?.nir, q?.assureNir, q?.birthDate].filter((s): s is string => !!s)) {
    expect(err.message).not.toContain(secret);
    if (secret.length === 15) expect(err.message).not.toContain(secret.slice(0, 13));
  }
  return err;
}

describe('CDRi adapter ↔ simulator over HTTP', () => {
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
    sim.configure({ latencyMs: 0, jitterMs: 0, faults: NO_FAULTS, maxConcurrent: undefined, rateLimitPerSecond: undefined });
  });

  it('serves every answer family of the patient table', async () => {
    const open = await adapter.checkRights(query(1));
    expect(open).toEqual({
      status: 'OPEN',
      organism: { grandRegime: '01', caisse: '751', centre: '0056', codeGestion: '10' },
      periods: [{ start: '2024-01-01' }],
      natureAssurance: 'MA',
      c2s: false,
      ame: false,
      maternity: false,
      insurerReference: 'SIM-OPEN-20250314',
    });
    expect((await adapter.checkRights(query(985))).status).toBe('OPEN');
    expect(await adapter.checkRights(query(400))).toMatchObject({
      status: 'CLOSED',
      periods: [{ start: '2024-01-01', end: '2025-02-28' }],
    });
    expect((await adapter.checkRights(query(450))).exoneration).toEqual({ code: '4', label: 'ALD', end: '2026-12-31' });
    expect(await adapter.checkRights(query(500))).toMatchObject({ status: 'OPEN', c2s: true, ame: false });
    expect(await adapter.checkRights(query(550))).toMatchObject({
      ame: true,
      organism: { grandRegime: '01' },
      periods: [{ start: '2025-01-01', end: '2025-12-31' }],
    });
    expect(await adapter.checkRights(query(580))).toMatchObject({ natureAssurance: 'MT', maternity: true, exoneration: { code: '3' } });
    expect(await adapter.checkRights(query(610))).toMatchObject({
      natureAssurance: 'AT',
      atmp: { reference: 'AT-SIM-20250314', date: '2025-03-04' },
    });
    expect((await adapter.checkRights(query(670))).organism?.grandRegime).toBe('02');
    expect((await adapter.checkRights(query(690))).organism?.grandRegime).toBe('04');
    expect(await adapter.checkRights(query(900))).toMatchObject({ status: 'UNKNOWN_PATIENT', periods: [] });
    const corsica = await adapter.checkRights(query(1, { nir: makeTestNir({ dept: '2B', commune: 33 }) }));
    expect(corsica.organism?.caisse).toBe('202');
  });

  it('lists beneficiaries without a birth date and picks one with it (+ rank for twins)', async () => {
    expect((await adapter.checkRights(query(640))).beneficiaries).toHaveLength(4);
    const picked = await adapter.checkRights(query(640, { birthDate: FAMILY_TWINS_BIRTH_DATE, birthRank: 1 }));
    expect(picked.beneficiaries).toEqual([{ rank: 1, birthDate: FAMILY_TWINS_BIRTH_DATE, quality: '06' }]);
    expect((await adapter.checkRights(query(640, { birthDate: '1999-09-09' }))).status).toBe('UNKNOWN_PATIENT');
  });

  it('counts calls per NIR and lets a test change rights between two checks', async () => {
    const q = query(2, { assureNir: makeTestNir({ sex: 2, order: 3 }), birthDate: BIRTH_DATE });
    expect((await adapter.checkRights(q)).status).toBe('OPEN');
    sim.overrideRights(q.nir, {
      status: 'CLOSED',
      periods: [{ start: '2024-01-01', end: '2025-03-01' }],
      c2s: false,
      ame: false,
      maternity: false,
      insurerReference: 'OVR-1',
    });
    expect(await adapter.checkRights(q)).toMatchObject({ status: 'CLOSED', insurerReference: 'OVR-1' });
    expect(sim.callsFor(q.nir)).toBe(2);
    expect(sim.stats().callsFor(q.nir)).toBe(2);
    expect(sim.answeredFor(q.nir)).toBe(2);
    expect(sim.callsFor(makeTestNir({ order: 4 }))).toBe(0);
    expect(sim.stats()).toMatchObject({ calls: 2, answered: 2, distinctNirs: 1, distinctChecks: 2 });
    expect(sim.checksFor(q.nir)).toBe(2); // no requestId: each answered call is a check of its own
    sim.clearOverride(q.nir);
    expect((await adapter.checkRights(q)).status).toBe('OPEN');
  });

  it('honours the configured latency (lower bound only)', async () => {
    sim.configure({ latencyMs: 150 });
    const started = performance.now();
    await adapter.checkRights(query(1));
    // Node timers may fire up to ~1 ms early against performance.now(): keep a small margin.
    expect(performance.now() - started).toBeGreaterThanOrEqual(148);
  });

  it('times out on the slow scenario, destroys the request and never hangs', async () => {
    const q = query(970, { birthDate: BIRTH_DATE });
    const err = await expectFailure(makeAdapter({ timeoutMs: 200 }).checkRights(q), 'INSURER_TIMEOUT', q);
    expect(err.transient).toBe(true);
    await until(() => sim.stats().inFlight === 0); // the simulator saw the client go away
  });

  it('maps the random timeout fault to INSURER_TIMEOUT as well', async () => {
    sim.configure({ faults: { ...NO_FAULTS, rateTimeout: 1 } });
    const q = query(1);
    await expectFailure(makeAdapter({ timeoutMs: 150 }).checkRights(q), 'INSURER_TIMEOUT', q);
    expect(sim.stats().timeoutsServed).toBe(1);
  });

  it('maps HTTP 500 / 503 to INSURER_UNAVAILABLE', async () => {
    const q = query(960);
    await expectFailure(adapter.checkRights(q), 'INSURER_UNAVAILABLE', q);
    sim.configure({ faults: { ...NO_FAULTS, rate5xx: 1 } });
    await expectFailure(adapter.checkRights(query(1)), 'INSURER_UNAVAILABLE', query(1));
    expect(sim.stats().http5xxServed).toBe(2);
  });

  it('maps a Receiver SOAP fault to INSURER_FAULT and an invalid-request fault to INVALID_QUERY', async () => {
    sim.configure({ faults: { ...NO_FAULTS, rateFault: 1 } });
    const technical = await expectFailure(adapter.checkRights(query(1)), 'INSURER_FAULT', query(1));
    expect(technical.insurerCode).toBe('ERREUR_TECHNIQUE');
    sim.configure({ faults: NO_FAULTS });
    const q = query(950, { birthDate: BIRTH_DATE });
    const invalid = await expectFailure(adapter.checkRights(q), 'INVALID_QUERY', q);
    expect(invalid.insurerCode).toBe('REQUETE_INVALIDE');
    expect(sim.stats().faultsServed).toBe(2);
  });

  it('maps 429 (scenario, random, maxConcurrent, rate limit) to INSURER_RATE_LIMITED', async () => {
    await expectFailure(adapter.checkRights(query(980)), 'INSURER_RATE_LIMITED', query(980));
    sim.configure({ faults: { ...NO_FAULTS, rate429: 1 } });
    await expectFailure(adapter.checkRights(query(1)), 'INSURER_RATE_LIMITED', query(1));

    sim.configure({ faults: NO_FAULTS, maxConcurrent: 1, latencyMs: 300 });
    const results = await Promise.allSettled([adapter.checkRights(query(1)), adapter.checkRights(query(2))]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((rejected.reason as AmoRightsError).code).toBe('INSURER_RATE_LIMITED');

    // 0.01/s: one request of burst, the next token in 100 s — deterministic within any test run.
    sim.configure({ maxConcurrent: undefined, latencyMs: 0, rateLimitPerSecond: 0.01 });
    await adapter.checkRights(query(1));
    await expectFailure(adapter.checkRights(query(1)), 'INSURER_RATE_LIMITED', query(1));
    expect(sim.stats().rateLimitedServed).toBe(4);
  });

  it('rejects an invalid query before any network call', async () => {
    const nir = makeTestNir({ order: 1 });
    const badKey = nir.slice(0, 13) + (nir.endsWith('01') ? '02' : '01');
    const q = query(1, { nir: badKey });
    await expectFailure(adapter.checkRights(q), 'INVALID_QUERY', q);
    await expectFailure(adapter.checkRights(query(1, { finess: '750000011' })), 'INVALID_QUERY');
    await expectFailure(adapter.checkRights(query(1, { dateOfCare: '2025-02-30' })), 'INVALID_QUERY');
    expect(sim.stats().calls).toBe(0);
  });

  it('answers ping, 404 on unknown paths, and a 400 SOAP fault on malformed XML', async () => {
    expect(await adapter.ping()).toBe(true);
    expect(sim.stats().pings).toBe(1);
    expect((await fetch(url.replace('/cdri', '/nowhere'))).status).toBe(404);
    const res = await fetch(url, { method: 'POST', body: '<not-xml', headers: { 'Content-Type': 'application/soap+xml' } });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('REQUETE_MALFORMEE');
    expect(sim.stats().malformed).toBe(1);
  });

  it('maps connection refused (stopped simulator) to INSURER_UNAVAILABLE and ping to false', async () => {
    const gone = new CdriSimulator();
    const { url: goneUrl } = await gone.start();
    await gone.stop();
    const a = makeAdapter({ endpoint: goneUrl });
    const q = query(1, { birthDate: BIRTH_DATE });
    const err = await expectFailure(a.checkRights(q), 'INSURER_UNAVAILABLE', q);
    expect(err.message).toContain('ECONNREFUSED');
    expect(await a.ping()).toBe(false);
  });
});

describe('CdriSoapAdapter against misbehaving servers', () => {
  let server: http.Server;
  let url: string;
  let reply: (res: http.ServerResponse) => void = () => undefined;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => reply(res));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cdri`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it.each<[string, (res: http.ServerResponse) => void, AmoRightsErrorCode, string | undefined]>([
    [
      'an HTML 502',
      (res) => res.writeHead(502, { 'Content-Type': 'text/html' }).end('<html>Bad gateway</html>'),
      'INSURER_UNAVAILABLE',
      'HTTP_502',
    ],
    [
      'a garbage 200',
      (res) => res.writeHead(200, { 'Content-Type': 'application/soap+xml' }).end('<oops'),
      'INSURER_FAULT',
      'REPONSE_MALFORMEE',
    ],
    ['a 404', (res) => res.writeHead(404).end('no'), 'INSURER_FAULT', 'HTTP_404'],
    ['an oversized answer', (res) => res.writeHead(200).end('x'.repeat(4096)), 'INSURER_FAULT', 'REPONSE_TROP_GRANDE'],
    [
      'a reset mid-answer',
      (res) => {
        res.writeHead(200, { 'Content-Length': '1000' });
        res.write('<env:');
        setTimeout(() => res.socket?.destroy(), 20);
      },
      'INSURER_UNAVAILABLE',
      undefined,
    ],
  ])('maps %s', async (_label, behaviour, code, insurerCode) => {
    reply = behaviour;
    const a = new CdriSoapAdapter({ endpoint: url, timeoutMs: 5000, maxResponseBytes: 1024, context });
    const q = query(1, { birthDate: BIRTH_DATE });
    const err = await expectFailure(a.checkRights(q), code, q);
    if (insurerCode) expect(err.insurerCode).toBe(insurerCode);
    a.close();
  });
});

describe('CDRi over mutual TLS (throwaway PKI generated with openssl)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cdri-mtls-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const file = (name: string) => readFileSync(join(dir, name));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

  const makeCa = (name: string) =>
    openssl(
      'req',
      '-x509',
      ...ec,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    );
  function makeLeaf(name: string, ca: string, ext: string): void {
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${ca}.crt`,
      '-CAkey',
      `${ca}.key`,
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    );
  }

  let sim: CdriSimulator;
  let url: string;
  const adapters: CdriSoapAdapter[] = [];
  const tlsAdapter = (tls: CdriSoapAdapterOptions['tls']) =>
    adapters[adapters.push(new CdriSoapAdapter({ endpoint: url, timeoutMs: 5000, context, tls })) - 1];

  beforeAll(async () => {
    makeCa('ca');
    makeCa('rogue-ca');
    makeLeaf('server', 'ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n');
    makeLeaf('client', 'ca', 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n');
    makeLeaf('rogue-client', 'rogue-ca', 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n');
    sim = new CdriSimulator({
      tls: { cert: file('server.crt'), key: file('server.key'), ca: file('ca.crt'), requestCert: true, rejectUnauthorized: true },
    });
    ({ url } = await sim.start());
    expect(url.startsWith('https://127.0.0.1:')).toBe(true);
  });
  afterAll(async () => {
    adapters.forEach((a) => a.close());
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('succeeds with the client certificate, reusing the pooled TLS connection', async () => {
    const a = tlsAdapter({ cert: file('client.crt'), key: file('client.key'), ca: file('ca.crt') });
    expect((await a.checkRights(query(500))).c2s).toBe(true);
    expect((await a.checkRights(query(1))).status).toBe('OPEN');
    expect(await a.ping()).toBe(true);
    // Sequential calls ride one pooled socket: one TLS handshake, not one per call.
    expect(sim.stats().connections).toBe(1);
  });

  it('fails with INSURER_UNAVAILABLE without a client certificate', async () => {
    const q = query(1, { birthDate: BIRTH_DATE });
    await expectFailure(tlsAdapter({ ca: file('ca.crt') }).checkRights(q), 'INSURER_UNAVAILABLE', q);
  });

  it('fails with INSURER_UNAVAILABLE with a certificate from another CA', async () => {
    const q = query(1);
    const a = tlsAdapter({ cert: file('rogue-client.crt'), key: file('rogue-client.key'), ca: file('ca.crt') });
    await expectFailure(a.checkRights(q), 'INSURER_UNAVAILABLE', q);
  });

  it('fails with INSURER_UNAVAILABLE when the server is not trusted', async () => {
    const a = tlsAdapter({ cert: file('client.crt'), key: file('client.key'), ca: file('rogue-ca.crt') });
    await expectFailure(a.checkRights(query(1)), 'INSURER_UNAVAILABLE', query(1));
    expect(sim.callsFor(query(1).nir)).toBe(1); // only the successful call of the first test reached it
  });
});
