/**
 * The same HTTP edge on both Nest adapters (HTTP_ADAPTER=express | fastify): a gateway process per adapter, over
 * HTTPS with optional client certificates (mutual TLS), answering the calls whose handling the adapter owns —
 * bodies by content type and their limits, body errors, unknown routes, correlation id, client certificate, base
 * URL, rate limiting; bodies read only after authentication, per route, within the route's limit. The other gateway tests run on either adapter with TEST_HTTP_ADAPTER=fastify.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { makeTestNir } from '../../src/simulators/cdri/simulated-patients';
import { eligibilityRequest } from '../support/fhir-requests';
import { type GatewayFixture, headersAs, startGatewayFixture, TEST_KIOSK_ID, TEST_KIOSK_KEY } from '../support/gateway-process';
import { csvOf, nirs, tomorrow } from '../support/lot-helpers';
import { waitFor } from '../support/wait-for';
import { writeThrowawayCertificate } from '../support/transport/throwaway-certificate';

interface Pair {
  keyFile: string;
  certFile: string;
}
interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => any;
}

const SUBMIT = '/fhir/CoverageEligibilityRequest/$submit';
const FHIR_JSON = 'application/fhir+json';

/** Resident memory of a process (VmRSS in /proc), in bytes. */
function vmRssBytes(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

describe.each(['express', 'fastify'] as const)('HTTP edge on the %s adapter', (adapter) => {
  let dir: string;
  let server: Pair;
  let kiosk: Pair;
  let operator: Pair;
  let fx: GatewayFixture;

  /** One HTTPS call; with `asKiosk`, presents the kiosk's client certificate (CN = kiosk id), or `cert`'s. */
  const call = (
    method: string,
    path: string,
    opts: { headers?: Record<string, string>; body?: string | Buffer; asKiosk?: boolean; cert?: Pair } = {},
  ) =>
    new Promise<Answer>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: fx.gateway.httpPort,
          method,
          path,
          headers: opts.headers,
          ca: readFileSync(server.certFile),
          ...(opts.asKiosk ? { cert: readFileSync(kiosk.certFile), key: readFileSync(kiosk.keyFile) } : {}),
          ...(opts.cert ? { cert: readFileSync(opts.cert.certFile), key: readFileSync(opts.cert.keyFile) } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
          });
        },
      );
      req.on('error', reject);
      req.end(opts.body);
    });
  /** Streams `total` bytes (announced in Content-Length) until the gateway answers and closes, or takes them all. */
  const upload = (path: string, headers: Record<string, string>, total: number) =>
    new Promise<{ status?: number; pulled: number }>((resolve) => {
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      let pulled = 0;
      let status: number | undefined;
      const source = new Readable({
        read() {
          if (pulled >= total) return void this.push(null);
          pulled += chunk.length;
          this.push(chunk);
        },
      });
      const req = request({
        host: '127.0.0.1',
        port: fx.gateway.httpPort,
        method: 'POST',
        path,
        headers: { ...headers, 'content-length': String(total) },
        ca: readFileSync(server.certFile),
      });
      req.on('response', (res) => {
        status = res.statusCode;
        res.resume();
      });
      req.on('error', () => undefined); // the reset is the expected end
      req.on('close', () => {
        source.destroy();
        resolve({ status, pulled });
      });
      source.pipe(req);
    });
  const submit = (body: string, headers: Record<string, string> = {}, asKiosk = false) =>
    call('POST', SUBMIT, { headers: { 'content-type': FHIR_JSON, ...headers }, body, asKiosk });
  const withKey = { 'X-API-Key': TEST_KIOSK_KEY };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `http-${adapter}-`));
    server = writeThrowawayCertificate(dir, 'passerelle-test-server', 'IP:127.0.0.1');
    kiosk = writeThrowawayCertificate(dir, TEST_KIOSK_ID, `DNS:${TEST_KIOSK_ID}`);
    // An operator's workstation certificate, known by its fingerprint (API_CLIENT_CERTS), trusted beside the kiosk's.
    operator = writeThrowawayCertificate(dir, 'poste-exploitation', 'DNS:poste-exploitation');
    const clientCas = join(dir, 'client-cas.pem');
    writeFileSync(clientCas, Buffer.concat([readFileSync(kiosk.certFile), readFileSync(operator.certFile)]));
    const fingerprint = new X509Certificate(readFileSync(operator.certFile)).fingerprint256.replace(/:/g, '').toLowerCase();
    fx = await startGatewayFixture({
      queue: 'redis',
      env: {
        HTTP_ADAPTER: adapter,
        HTTP_TLS_CERT_FILE: server.certFile,
        HTTP_TLS_KEY_FILE: server.keyFile,
        HTTP_TLS_CA_FILE: clientCas,
        API_CLIENT_CERTS: `exploitation:sha256=${fingerprint}:operator`,
        HTTP_TLS_REQUEST_CLIENT_CERT: 'true',
        KIOSK_RATE_LIMIT_PER_MINUTE: '60',
        KIOSK_RATE_LIMIT_BURST: '30',
      },
    });
  });

  afterAll(async () => {
    await fx?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs on the adapter it was asked for', () => {
    const line = fx.gateway.logs
      .join('')
      .split('\n')
      .find((l) => l.includes('"HTTP adapter"'))!;
    expect(JSON.parse(line)).toMatchObject({ adapter, tls: true, mutualTls: true });
  });

  it('checks rights (200), echoes the correlation id and logs the work under it', async () => {
    const res = await submit(JSON.stringify(eligibilityRequest(makeTestNir({ order: 101, commune: 11 }))), {
      ...withKey,
      'X-Correlation-Id': `adapter-${adapter}-0001`,
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain(FHIR_JSON);
    expect(res.headers['x-correlation-id']).toBe(`adapter-${adapter}-0001`);
    expect(res.json().resourceType).toBe('CoverageEligibilityResponse');
    await waitFor('the log line', async () => fx.gateway.logs.join('').includes(`adapter-${adapter}-0001`));
    const line = fx.gateway.logs
      .join('')
      .split('\n')
      .find((l) => l.includes(`adapter-${adapter}-0001`))!;
    expect(JSON.parse(line)).toMatchObject({ correlationId: `adapter-${adapter}-0001`, msg: 'AMO rights answered' });
  });

  it('authenticates a kiosk by its client certificate, and refuses a call with neither certificate nor key (401)', async () => {
    const body = JSON.stringify(eligibilityRequest(makeTestNir({ order: 101, commune: 12 })));
    expect((await submit(body, {}, true)).status).toBe(200);
    const anonymous = await submit(body);
    expect(anonymous.status).toBe(401);
    expect(anonymous.json().issue[0].code).toBe('login');
  });

  it('maps a client certificate to its configured client and roles by fingerprint (mutual TLS)', async () => {
    expect((await call('GET', '/audit', { cert: operator })).status).toBe(200);
    // The kiosk's certificate carries the kiosk role only.
    const refused = await call('GET', '/audit', { asKiosk: true });
    expect([refused.status, refused.json().issue[0].code]).toEqual([403, 'forbidden']);
    const detail = (await call('GET', '/health', { cert: operator })).json();
    expect(Object.keys(detail.checks)).toContain('database');
  });

  it('answers malformed JSON with 400 "Body is not valid JSON"', async () => {
    for (const body of ['{"resourceType": ', '"a string"']) {
      const res = await submit(body, withKey);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toContain(FHIR_JSON);
      expect(res.json().issue[0]).toMatchObject({ code: 'invalid', diagnostics: 'Body is not valid JSON' });
    }
  });

  it("answers a JSON body over the kiosk route's 64 KB with 413 too-costly", async () => {
    const res = await submit(`{"pad":"${'x'.repeat(200 * 1024)}"}`, withKey);
    expect(res.status).toBe(413);
    expect(res.json().issue[0]).toMatchObject({ code: 'too-costly', diagnostics: 'Body is larger than the 64 KB this route accepts' });
  });

  it('answers 415 to a body on a route that takes none, and to a content type the route does not take', async () => {
    const onRead = await call('POST', '/fhir/CoverageEligibilityResponse/00000000-0000-4000-8000-000000000000', {
      headers: { 'content-type': FHIR_JSON, ...withKey },
      body: '{}',
    });
    expect([onRead.status, onRead.json().issue[0].code]).toEqual([404, 'not-found']); // no POST route there
    const noBody = await call('POST', '/cdri/lots/csv', { headers: { 'content-type': FHIR_JSON, ...headersAs('batch') }, body: '{}' });
    expect(noBody.status).toBe(415);
    expect(noBody.json().issue[0]).toMatchObject({ code: 'not-supported', diagnostics: 'Send the body as text/csv' });
  });

  it('nests JSON no deeper than 64 levels (400 before any parser walks it)', async () => {
    const res = await submit(`${'['.repeat(5000)}${']'.repeat(5000)}`, withKey);
    expect(res.status).toBe(400);
    expect(res.json().issue[0].diagnostics).toBe('Body nests deeper than 64 levels');
  });

  /**
   * The finding: three parallel 150 MB POSTs to a 404 route took the gateway from 130 MB to 776 MB RSS, because the
   * bodies were parsed before routing and authentication. Now nothing is read for an unknown route, an anonymous
   * caller or an announced size over the route's limit: the gateway answers and closes the connection.
   */
  it('refuses parallel 150 MB POSTs (unknown route, no credentials, over the limit) without reading them', async () => {
    const total = 150 * 1024 * 1024;
    const before = vmRssBytes(fx.gateway.pid!);
    const results = await Promise.all([
      upload('/no/such/route', { 'content-type': FHIR_JSON }, total),
      upload('/no/such/route', { 'content-type': 'application/octet-stream' }, total),
      upload(SUBMIT, { 'content-type': FHIR_JSON }, total),
      upload(SUBMIT, { 'content-type': FHIR_JSON, ...withKey }, total),
      upload('/transport/lots', { 'content-type': 'application/octet-stream' }, total),
    ]);
    const after = vmRssBytes(fx.gateway.pid!);
    for (const r of results) {
      // The client got the answer, or a reset while it was still sending: either way it could not push its body.
      expect(r.pulled).toBeLessThan(48 * 1024 * 1024);
      if (r.status !== undefined) expect([401, 404, 413]).toContain(r.status);
    }
    expect(results.map((r) => r.status ?? 'reset')).not.toContain(200);
    expect(after - before).toBeLessThan(64 * 1024 * 1024);
    // …and the gateway still serves.
    expect((await call('GET', '/health/live')).status).toBe(200);
  });

  it('answers an unknown route with 404 not-found', async () => {
    const res = await call('GET', '/fhir/NoSuchResource/1', { headers: withKey });
    expect(res.status).toBe(404);
    expect(res.json()).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'not-found' }] });
  });

  it('publishes its https base URL in the CapabilityStatement, a trailing slash and letter case aside', async () => {
    for (const path of ['/fhir/metadata', '/fhir/metadata/', '/FHIR/Metadata']) {
      const res = await call('GET', path);
      expect(res.status).toBe(200);
      expect(res.json().implementation.url).toBe(`https://127.0.0.1:${fx.gateway.httpPort}/fhir`);
    }
  });

  it('takes a CSV list as text (202 and the Task to follow)', async () => {
    const res = await call('POST', '/cdri/lots/csv', {
      headers: { 'content-type': 'text/csv', ...headersAs('batch') },
      body: csvOf(nirs(3, 101, 40), tomorrow()),
    });
    expect(res.status).toBe(202);
    expect(res.headers.location).toMatch(/\/fhir\/Task\//);
  });

  it('rate-limits with 429, Retry-After and an OperationOutcome', async () => {
    const path = '/fhir/CoverageEligibilityResponse/00000000-0000-4000-8000-000000000000';
    const answers = await Promise.all(Array.from({ length: 45 }, () => call('GET', path, { headers: withKey })));
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(Number(limited[0].headers['retry-after'])).toBeGreaterThan(0);
    expect(limited[0].json().issue[0].code).toBe('throttled');
  });
});
