import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLOWS } from '../../src/app/flows';
import { type GatewayFixture, headersAs, startGatewayFixture } from '../support/gateway-process';
import { getTestPki } from '../support/test-pki';
import { waitFor } from '../support/wait-for';

/** The REST route of each FHIR interaction the CapabilityStatement lists under a resource. */
const INTERACTION_ROUTES: Record<string, (type: string) => string> = {
  read: (t) => `GET /fhir/${t}/:id`,
  create: (t) => `POST /fhir/${t}`,
  update: (t) => `PUT /fhir/${t}/:id`,
  delete: (t) => `DELETE /fhir/${t}/:id`,
  'search-type': (t) => `GET /fhir/${t}`,
};

interface FlowLine {
  flow: string;
  routes: string[];
  workers: string[];
  schedules: string[];
  periodic: string[];
  probes: string[];
  hl7: string[];
}

/**
 * Every registered flow contributes what it declares, through the running gateway: its routes are served and
 * listed in OpenAPI (and the FHIR ones in the CapabilityStatement), its probes are in /health, its queues' workers
 * run (their depth is in /metrics). Transport is configured so that every registered flow is on.
 */
describe('flow registry', () => {
  const pki = getTestPki();
  const dir = mkdtempSync(join(tmpdir(), 'passerelle-flows-'));
  let fx: GatewayFixture;
  let flows: FlowLine[];

  beforeAll(async () => {
    const recipientFile = join(dir, 'cpam-75.pem');
    writeFileSync(recipientFile, pki.recipient.certPem + pki.recipient.chainPem);
    for (const d of ['spool', 'returns', 'drop']) mkdirSync(join(dir, d));
    fx = await startGatewayFixture({
      queue: 'redis',
      env: {
        SIGNING_SEAL_P12_FILE: pki.seal.p12Path,
        SIGNING_SEAL_P12_PASSWORD: pki.p12Password,
        SIGNING_TRUST_STORE_FILE: pki.trustStorePath,
        TRANSMISSION_RECIPIENT_CERTS: `cpam-75:${recipientFile}`,
        TRANSMISSION_RECIPIENTS: 'cpam-75:file-drop',
        TRANSMISSION_SPOOL_DIR: join(dir, 'spool'),
        FILE_DROP_DIR: join(dir, 'drop'),
        RETURNS_DIR: join(dir, 'returns'),
        FIDES_ENABLED: 'true',
      },
    });
    await waitFor('the flows to be listed', async () => lines().length === FLOWS.length);
    flows = lines();
  });

  afterAll(async () => {
    await fx?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function lines(): FlowLine[] {
    return fx.gateway.logs
      .join('')
      .split('\n')
      .filter((l) => l.includes('"msg":"Flow started"'))
      .map((l) => JSON.parse(l) as FlowLine);
  }

  const get = (path: string) => fetch(`${fx.gateway.baseUrl}${path}`, { headers: headersAs('operator') });

  it('builds every registered flow, in registry order, each with a unique name', () => {
    expect(flows.map((f) => f.flow)).toEqual(FLOWS.map((f) => f.name));
    expect(new Set(FLOWS.map((f) => f.name)).size).toBe(FLOWS.length);
    for (const f of FLOWS) expect(f.description.length).toBeGreaterThan(10);
  });

  it("serves each flow's routes and lists them in OpenAPI, the FHIR ones in the CapabilityStatement", async () => {
    const doc = (await (await get('/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`)),
    );
    const cs = (await (await get('/fhir/metadata')).json()) as {
      rest: Array<{
        interaction?: Array<{ code: string }>;
        resource: Array<{ type: string; interaction?: Array<{ code: string }>; operation?: Array<{ name: string }> }>;
      }>;
    };
    const capabilities = new Set(
      cs.rest[0].resource.flatMap((r) => [
        ...(r.operation ?? []).map((o) => `POST /fhir/${r.type}/$${o.name}`),
        ...(r.interaction ?? []).map((i) => INTERACTION_ROUTES[i.code]?.(r.type)),
      ]),
    );
    if (cs.rest[0].interaction?.some((i) => i.code === 'batch')) capabilities.add('POST /fhir');
    for (const f of flows) {
      expect(f.routes.length).toBeGreaterThan(0);
      for (const route of f.routes) {
        expect(documented).toContain(route);
        if (route.includes(' /fhir/') || route === 'POST /fhir') expect(capabilities).toContain(route);
        // Served: an unauthenticated call is refused by the route's guard (401), not unknown (404).
        const [method, path] = route.split(' ');
        const res = await fetch(`${fx.gateway.baseUrl}${path.replace(':id', '00000000-0000-4000-8000-000000000000')}`, { method });
        expect([route, res.status]).toEqual([route, 401]);
      }
    }
  });

  it("reports each flow's probes in /health and each worker's queue in /metrics", async () => {
    const health = (await (await get('/health')).json()) as { checks: Record<string, unknown> };
    const metrics = await (await get('/metrics')).text();
    for (const f of flows) {
      for (const probe of f.probes) expect(Object.keys(health.checks)).toContain(probe);
      // FIDES has no queue yet (intake only): its lots and returns bring them.
      if (f.flow !== 'fides') expect(f.workers.length).toBeGreaterThan(0);
      for (const queue of f.workers) expect(metrics).toContain(`passerelle_queue_jobs{queue="${queue}",state="waiting"}`);
    }
    expect(flows.find((f) => f.flow === 'cdri')?.hl7).toEqual(['cdri-admissions']);
  });

  it('still queues work on a queue a /metrics scrape touched first (each queue is opened with its declared options)', async () => {
    await get('/metrics');
    const q = new URLSearchParams({ flow: 'b2', lotRef: 'REGISTRY-1', recipient: 'cpam-75', fileName: 'lot.b2' });
    const res = await fetch(`${fx.gateway.baseUrl}/transport/lots?${q.toString()}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', ...headersAs('billing') },
      body: Buffer.from('a lot'),
    });
    expect(res.status).toBe(202);
    await waitFor('the lot in the drop folder', async () => readdirSync(join(dir, 'drop')).some((f) => f.endsWith('__lot.b2')));
  });
});
