/**
 * Issue 8 §1 "who may do what", through a running gateway: every mapped route × every role (admitted with the role,
 * 403 without it, 401 without credentials), scoped reads (another kiosk's answer and another establishment's
 * worklist or client's transmission are "not found"), recipients from configuration, /metrics behind a role,
 * /health without detail for anonymous callers, and the append-only audit trail.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { ROLES, type Role } from '../../src/access/roles';
import { makeTestNir } from '../../src/simulators/cdri/simulated-patients';
import { eligibilityRequest } from '../support/fhir-requests';
import { expectValidFhir } from '../support/fhir-schema';
import {
  type GatewayFixture,
  GatewayProcess,
  headersAs,
  startGatewayFixture,
  TEST_API_CLIENTS,
  TEST_KIOSK_ID,
  TEST_KIOSK_KEY,
} from '../support/gateway-process';
import { csvOf, nirs, tomorrow } from '../support/lot-helpers';
import { getTestPki } from '../support/test-pki';
import { waitFor } from '../support/wait-for';

const OTHER_KIOSK_KEY = 'other-kiosk-key-0123456789abcdef-0123';
const OTHER_SITE = '750712184';
const OTHER_BATCH_KEY = 'other-batch-key-0123456789abcdef-01234';
const OTHER_BILLING_KEY = 'other-billing-key-0123456789abcdef-012';
const digest = (key: string) => createHash('sha256').update(key).digest('hex');
const ANY_ID = '00000000-0000-4000-8000-000000000000';

interface Operation {
  method: string;
  path: string;
  roles?: Role[];
}

describe('access control', () => {
  const pki = getTestPki();
  const dir = mkdtempSync(join(tmpdir(), 'passerelle-access-'));
  let fx: GatewayFixture;
  let db: Client;

  beforeAll(async () => {
    const recipientFile = join(dir, 'cpam-75.pem');
    writeFileSync(recipientFile, pki.recipient.certPem + pki.recipient.chainPem);
    for (const d of ['spool', 'drop', join('drop', 'cpam75')]) mkdirSync(join(dir, d));
    fx = await startGatewayFixture({
      queue: 'redis',
      env: {
        KIOSK_API_KEYS: `${TEST_KIOSK_ID}:${TEST_KIOSK_KEY},borne-b:${OTHER_KIOSK_KEY}`,
        API_CLIENTS: [
          TEST_API_CLIENTS,
          `batch-other-site:${digest(OTHER_BATCH_KEY)}:batch:${OTHER_SITE}`,
          `billing-b:${digest(OTHER_BILLING_KEY)}:billing`,
        ].join(','),
        SIGNING_SEAL_P12_FILE: pki.seal.p12Path,
        SIGNING_SEAL_P12_PASSWORD: pki.p12Password,
        SIGNING_TRUST_STORE_FILE: pki.trustStorePath,
        TRANSMISSION_RECIPIENT_CERTS: `cpam-75:${recipientFile}`,
        TRANSMISSION_RECIPIENTS: 'cpam-75:file-drop:cpam75',
        TRANSMISSION_SPOOL_DIR: join(dir, 'spool'),
        FILE_DROP_DIR: join(dir, 'drop'),
        KIOSK_RATE_LIMIT_BURST: '1000',
      },
    });
    db = new Client({ connectionString: fx.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await fx?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = (method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer) =>
    fetch(`${fx.gateway.baseUrl}${path}`, { method, headers, body });

  /** Every route the server mapped, with the roles it declared (OpenAPI's x-roles, read from the same @Route). */
  async function operations(): Promise<Operation[]> {
    const doc = (await (await call('GET', '/openapi.json')).json()) as {
      paths: Record<string, Record<string, { security?: unknown; 'x-roles'?: Role[] }>>;
    };
    const ops = Object.entries(doc.paths).flatMap(([path, byMethod]) =>
      Object.entries(byMethod).map(([method, op]) => ({
        method: method.toUpperCase(),
        path: path.replace(/\{(\w+)\}/g, ':$1'),
        roles: op['x-roles'],
      })),
    );
    const mapped = [...fx.gateway.logs.join('').matchAll(/Mapped \{([^,]+), (\w+)\} route/g)].map(
      ([, path, method]) => `${method} ${path.replace(/\\\\\$/g, '$')}`,
    );
    // The walk covers exactly what is served, every flow's routes included.
    expect(ops.map((o) => `${o.method} ${o.path}`).sort()).toEqual(mapped.sort());
    expect(mapped).toContain('POST /transport/lots');
    return ops;
  }

  /** A call that gets past the guard to the handler (bodies are minimal: the handler may well refuse them). */
  function request(op: Operation, headers: Record<string, string>) {
    const path = op.path.replace(':id', ANY_ID);
    if (op.method !== 'POST') return call(op.method, path, headers);
    if (op.path === '/transport/lots')
      return call('POST', `${path}?flow=b2&lotRef=WALK&recipient=nobody&fileName=w.b2`, {
        ...headers,
        'content-type': 'application/octet-stream',
      });
    if (op.path === '/cdri/lots/csv') return call('POST', path, { ...headers, 'content-type': 'text/csv' }, 'nir;date_of_care\n');
    if (op.path === '/cdri/lots') return call('POST', path, { ...headers, 'content-type': 'application/json' }, '{"finess":"12"}');
    return call('POST', path, { ...headers, 'content-type': 'application/fhir+json' }, '{}');
  }

  it('walks every mapped route × every role: 401 without credentials, 403 without the role, admitted with it', async () => {
    const ops = await operations();
    const secured = ops.filter((o) => o.roles);
    expect(secured.length).toBeGreaterThanOrEqual(9);
    const seen: string[] = [];
    for (const op of ops) {
      const route = `${op.method} ${op.path}`;
      if (!op.roles) {
        // Anonymous routes (metadata, health, OpenAPI) answer everyone.
        expect([route, (await request(op, {})).status]).toEqual([route, 200]);
        continue;
      }
      expect(op.roles).toContain('admin');
      for (const [headers, code] of [
        [{}, 'login'],
        [{ 'X-API-Key': 'not-a-key-0123456789abcdef-0123456789' }, 'login'],
      ] as const) {
        const res = await request(op, headers);
        expect([route, res.status]).toEqual([route, 401]);
        expect(((await res.json()) as any).issue[0].code).toBe(code);
      }
      for (const role of ROLES) {
        const res = await request(op, headersAs(role));
        const admitted = op.roles.includes(role);
        if (admitted) expect([route, role, [401, 403].includes(res.status)]).toEqual([route, role, false]);
        else {
          expect([route, role, res.status]).toEqual([route, role, 403]);
          const outcome = (await res.json()) as any;
          expect(outcome.issue[0].code).toBe('forbidden');
          expectValidFhir(outcome);
        }
        seen.push(`${route} ${role} ${admitted ? 'admitted' : 'refused'}`);
      }
    }
    expect(seen.length).toBe(secured.length * ROLES.length);
  });

  it('refuses a kiosk the lots, the Tasks and the transport (403), as reproduced in the issue', async () => {
    const kiosk = headersAs('kiosk');
    const json = { ...kiosk, 'content-type': 'application/json' };
    expect((await call('POST', '/cdri/lots', json, '{}')).status).toBe(403);
    expect((await call('POST', '/cdri/lots/csv', { ...kiosk, 'content-type': 'text/csv' }, csvOf(nirs(1, 101), tomorrow()))).status).toBe(
      403,
    );
    expect((await call('GET', `/fhir/Task/${ANY_ID}`, kiosk)).status).toBe(403);
    expect((await call('GET', `/fhir/List/${ANY_ID}`, kiosk)).status).toBe(403);
    const q = 'flow=b2&lotRef=K-1&recipient=cpam-75&fileName=k.b2';
    expect((await call('POST', `/transport/lots?${q}`, { ...kiosk, 'content-type': 'application/octet-stream' }, 'lot')).status).toBe(403);
    const lots = await db.query(`SELECT count(*)::int AS n FROM cdri_lot WHERE requested_by = $1`, [TEST_KIOSK_ID]);
    const transmissions = await db.query(`SELECT count(*)::int AS n FROM transmission WHERE lot_ref = 'K-1'`);
    expect([lots.rows[0].n, transmissions.rows[0].n]).toEqual([0, 0]);
  });

  it("hides a kiosk's answer from another kiosk (404, not 403) and shows it to its kiosk, the GAP and operators", async () => {
    const res = await call(
      'POST',
      '/fhir/CoverageEligibilityRequest/$submit',
      { ...headersAs('kiosk'), 'content-type': 'application/fhir+json' },
      JSON.stringify(eligibilityRequest(makeTestNir({ order: 101, commune: 77 }))),
    );
    expect(res.status).toBe(200);
    const location = res.headers.get('location')!;
    expect((await call('GET', location, { 'X-API-Key': OTHER_KIOSK_KEY })).status).toBe(404);
    const other = (await (await call('GET', location, { 'X-API-Key': OTHER_KIOSK_KEY })).json()) as any;
    expect(other.issue[0].code).toBe('not-found');
    for (const role of ['kiosk', 'gap', 'operator'] as const)
      expect([role, (await call('GET', location, headersAs(role))).status]).toEqual([role, 200]);
  });

  it("keeps a lot's Task and worklist within its establishment: another site's scheduler gets 404", async () => {
    const res = await call(
      'POST',
      '/cdri/lots/csv',
      { ...headersAs('batch'), 'content-type': 'text/csv' },
      csvOf(nirs(2, 101, 500), tomorrow()),
    );
    expect(res.status).toBe(202);
    const id = ((await res.json()) as any).id as string;
    for (const path of [`/fhir/Task/${id}`, `/fhir/List/${id}`]) {
      expect([path, (await call('GET', path, { 'X-API-Key': OTHER_BATCH_KEY })).status]).toEqual([path, 404]);
      expect([path, (await call('GET', path, headersAs('batch'))).status]).toEqual([path, 200]);
      expect([path, (await call('GET', path, headersAs('operator'))).status]).toEqual([path, 200]);
    }
    // Nor may that scheduler start a lot for an establishment it does not act for.
    const csv = { 'X-API-Key': OTHER_BATCH_KEY, 'content-type': 'text/csv' };
    const refused = await call('POST', '/cdri/lots/csv?finess=010000024', csv, csvOf(nirs(1, 101, 600), tomorrow()));
    expect(refused.status).toBe(403);
    expect((await call('POST', '/cdri/lots/csv', csv, csvOf(nirs(1, 101, 700), tomorrow()))).status).toBe(202);
  });

  it('sends lots only to configured recipients: the request names the recipient, never the channel or address', async () => {
    const billing = { ...headersAs('billing'), 'content-type': 'application/octet-stream' };
    const base = 'flow=b2&lotRef=ACL-1&fileName=acl.b2';
    const unknown = await call('POST', `/transport/lots?${base}&recipient=cpam-99`, billing, 'lot');
    expect(unknown.status).toBe(422);
    expect(((await unknown.json()) as any).issue[0].diagnostics).toContain('"cpam-99"');
    const steered = await call('POST', `/transport/lots?${base}&recipient=cpam-75&channel=file-drop&address=../../etc`, billing, 'lot');
    expect(steered.status).toBe(400);
    expect(((await steered.json()) as any).issue[0].expression).toEqual(['channel']);
    const ok = await call('POST', `/transport/lots?${base}&recipient=cpam-75`, billing, 'lot');
    expect(ok.status).toBe(202);
    const task = (await ok.json()) as any;
    const row = await db.query(`SELECT channel, recipient, requested_by FROM transmission WHERE id = $1`, [task.id]);
    expect(row.rows[0]).toEqual({ channel: 'file-drop', recipient: 'cpam75', requested_by: 'test-billing' });
    // Its Task: the client that handed it over and operators; another billing client gets 404.
    expect((await call('GET', `/fhir/Task/${task.id}`, headersAs('billing'))).status).toBe(200);
    expect((await call('GET', `/fhir/Task/${task.id}`, { 'X-API-Key': OTHER_BILLING_KEY })).status).toBe(404);
    expect((await call('GET', `/fhir/Task/${task.id}`, headersAs('operator'))).status).toBe(200);
  });

  it('serves /metrics to scrapers and operators only, and /health without detail to anonymous callers', async () => {
    expect((await call('GET', '/metrics')).status).toBe(401);
    expect((await call('GET', '/metrics', headersAs('kiosk'))).status).toBe(403);
    const scraped = await call('GET', '/metrics', { Authorization: `Bearer ${headersAs('metrics')['X-API-Key']}` });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('passerelle_');
    const anonymous = (await (await call('GET', '/health')).json()) as any;
    expect(anonymous).toEqual({ status: 'ok', mode: 'production' });
    expect(JSON.stringify(await (await call('GET', '/health/ready')).json())).toBe('{"status":"ok"}');
    const detailed = (await (await call('GET', '/health', headersAs('operator'))).json()) as any;
    expect(Object.keys(detailed.checks)).toEqual(expect.arrayContaining(['database', 'queue', 'cdri', 'certificates']));
    expect((await (await call('GET', '/health', headersAs('kiosk'))).json()) as any).toEqual({ status: 'ok', mode: 'production' });
  });

  it('audits who started lots and queued transmissions, readable by operators page by page, append-only in the database', async () => {
    expect((await call('GET', '/audit', headersAs('kiosk'))).status).toBe(403);
    const page = (await (await call('GET', '/audit?limit=50', headersAs('operator'))).json()) as any;
    const actions = page.events.map((e: any) => `${e.action} ${e.clientId} ${e.via}`);
    expect(actions).toEqual(expect.arrayContaining(['lot.csv-uploaded test-batch api-key', 'transmission.queued test-billing api-key']));
    const queued = page.events.find((e: any) => e.action === 'transmission.queued');
    expect(queued).toMatchObject({ roles: ['billing'], target: expect.stringMatching(/^Task\//), detail: { recipient: 'cpam-75' } });
    const first = (await (await call('GET', '/audit?limit=1', headersAs('operator'))).json()) as any;
    expect(first.events).toHaveLength(1);
    const second = (await (await call('GET', first.nextUrl, headersAs('operator'))).json()) as any;
    expect(Number(second.events[0].id)).toBeLessThan(Number(first.events[0].id));
    expect((await call('GET', '/audit?limit=100000', headersAs('operator'))).status).toBe(400);
    // The worker's send is audited too, under the system actor, on the transmission's Task.
    const sent = await waitFor('the transmission.sent event', async () => {
      const events = ((await (await call('GET', '/audit?action=transmission.sent', headersAs('operator'))).json()) as any).events;
      return events.find((e: any) => e.target === queued.target);
    });
    expect(sent).toMatchObject({ clientId: 'system', via: 'system', roles: [] });
    // …to where the recipients directory says, not where a caller asked.
    expect(readdirSync(join(dir, 'drop', 'cpam75')).some((f) => f.endsWith('__acl.b2'))).toBe(true);
    // No patient data: the NIRs of the lots are nowhere in the trail.
    const all = await db.query(`SELECT * FROM audit_event`);
    expect(JSON.stringify(all.rows)).not.toMatch(/\d{13}/);
    for (const sql of ['UPDATE audit_event SET client_id = $$x$$', 'DELETE FROM audit_event', 'TRUNCATE audit_event'])
      await expect(db.query(sql)).rejects.toThrow(/append-only/);
    await expect(db.query(`SELECT audit_event_expire('1 day')`)).rejects.toThrow(/at least 365 days/);
    expect((await db.query(`SELECT audit_event_expire('400 days') AS n`)).rows[0].n).toBe('0');
    expect((await db.query(`SELECT count(*)::int AS n FROM audit_event`)).rows[0].n).toBe(all.rows.length);
  });

  it('refuses at boot kiosk keys shorter than 32 characters, naming the variable', async () => {
    const g = new GatewayProcess({ ...fx.gateway.env, KIOSK_API_KEYS: 'borne:only-twenty-chars-key1' });
    await expect(g.start()).rejects.toThrow(/KIOSK_API_KEYS: key of borne must be at least 32 characters/);
    expect(await g.waitExit()).toBe(2);
    expect(g.logs.join('')).not.toContain('only-twenty-chars-key1');
  });
});
