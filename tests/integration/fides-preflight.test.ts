import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { FIDES_EXTENSIONS, FIDES_PREFLIGHT } from '../../src/fides/fhir/fides-fhir-definitions';
import { makeTestNir } from '../../src/simulators/cdri/simulated-patients';
import { aceClaim, FIDES_TEST_FINESS } from '../support/fides-claims';
import { expectValidFhir, prepareFhirSchema } from '../support/fhir-schema';
import { type GatewayFixture, headersAs, TEST_API_CLIENTS } from '../support/gateway-process';
import { startGatewayFixture } from '../support/gateway-process';
import type { Role } from '../../src/access/roles';

type Json = Record<string, any>;

/** OPEN and CLOSED beneficiaries of the CDRi simulator (numéro d'ordre 123 and 410), born January 1992 in Paris. */
const OPEN_NIR = '292017512312346';
const CLOSED_NIR = makeTestNir({ sex: 2, year: 92, month: 1, dept: '75', commune: 123, order: 410 });
/** A billing client of another establishment: it must see none of this FINESS's held invoices. */
const OTHER_KEY = 'other-billing-key-0123456789abcdef0123456789';

/**
 * FIDES pre-flight against the running gateway, its PostgreSQL and Redis, and the real CDRi simulator: an invoice
 * for a patient with open rights waits for the CDRi check pre-flight queues, then becomes ready; closed rights hold
 * the invoice with the reason; a correction comes back as a new version and goes through again; held invoices are
 * on the worklist (FHIR List and CSV) and their ClaimResponse says why.
 */
describe('FIDES pre-flight: CDRi rights, held invoices, new versions, worklist', () => {
  let fx: GatewayFixture;
  let db: Client;

  beforeAll(async () => {
    prepareFhirSchema();
    const otherClient = `other-billing:${createHash('sha256').update(OTHER_KEY).digest('hex')}:billing:010000024`;
    fx = await startGatewayFixture({
      env: {
        FIDES_ENABLED: 'true',
        ESTABLISHMENT_FINESS: FIDES_TEST_FINESS,
        FIDES_PREFLIGHT_INTERVAL_MS: '200',
        API_CLIENTS: `${TEST_API_CLIENTS},${otherClient}`,
      },
    });
    db = new Client({ connectionString: fx.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await fx?.close();
  });

  const post = (body: unknown, role: Role = 'gap') =>
    fetch(`${fx.gateway.baseUrl}/fhir/Claim`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', ...headersAs(role) },
      body: JSON.stringify(body),
    });
  const get = (path: string, headers: Record<string, string> = headersAs('billing')) => fetch(`${fx.gateway.baseUrl}${path}`, { headers });
  const json = async (res: Response) => {
    const body = (await res.json()) as Json;
    expectValidFhir(body);
    return body;
  };
  const stateOf = (claim: Json) => (claim.extension as Json[]).find((e) => e.url === FIDES_EXTENSIONS.invoiceState)?.valueCode;

  /** Polls the Claim until it reaches `state` (the worker runs in the gateway's own time; no timing is asserted). */
  async function until(id: string, state: string, limitMs = 30_000): Promise<Json> {
    const end = Date.now() + limitMs;
    for (;;) {
      const claim = await json(await get(`/fhir/Claim/${id}`));
      if (stateOf(claim) === state) return claim;
      if (Date.now() > end) throw new Error(`Claim ${id} is ${stateOf(claim)}, not ${state}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const transitions = async (id: string) =>
    (await db.query(`SELECT from_state, to_state, cause FROM invoice_transition WHERE invoice_id = $1 ORDER BY id`, [id])).rows.map(
      (r) => `${r.from_state ?? '∅'}→${r.to_state} (${r.cause})`,
    );

  let closedId = '';
  let brokenId = '';

  it('open rights: received → awaiting-rights → (CDRi check, real simulator) → ready; queued until then', async () => {
    const res = await post(aceClaim({ invoiceNumber: '5001', beneficiaryNir: OPEN_NIR }));
    expect(res.status).toBe(201);
    const claim = await json(res);
    expect(stateOf(claim)).toBe('received');

    await until(claim.id, 'ready');
    expect(await transitions(claim.id)).toEqual([
      '∅→received (fhir-claim)',
      'received→awaiting-rights (preflight-rights-check-queued)',
      'awaiting-rights→ready (preflight-rights-answer)',
    ]);
    // The check pre-flight asked for went to the simulator and was answered there.
    const checks = await db.query(
      `SELECT state, rights_status, requested_by, to_char(birth_date, 'YYYY-MM-DD') AS born FROM rights_check WHERE source = 'fides' AND nir = $1`,
      [OPEN_NIR],
    );
    expect(checks.rows).toEqual([{ state: 'answered', rights_status: 'OPEN', requested_by: 'fides-preflight', born: '1992-01-15' }]);
    const response = (await json(await get(`/fhir/ClaimResponse?request=Claim/${claim.id}`))).entry[0].resource;
    expect(response.outcome).toBe('queued');
    expect(response.error).toBeUndefined();

    // On its way to the insurer, the number cannot take other content.
    const changed = await post(aceClaim({ invoiceNumber: '5001', beneficiaryNir: OPEN_NIR, unitPrice: 31 }));
    expect(changed.status).toBe(409);
  });

  it('closed rights: preflight-failed with PF-CDRI-RIGHTS-CLOSED on the date of care; ClaimResponse error', async () => {
    const res = await post(aceClaim({ invoiceNumber: '5002', beneficiaryNir: CLOSED_NIR }));
    expect(res.status).toBe(201);
    closedId = (await json(res)).id;
    await until(closedId, 'preflight-failed');
    expect((await transitions(closedId)).slice(1)).toEqual([
      'received→awaiting-rights (preflight-rights-check-queued)',
      'awaiting-rights→preflight-failed (preflight-rights-answer)',
    ]);

    const response = (await json(await get(`/fhir/ClaimResponse?request=Claim/${closedId}`))).entry[0].resource;
    expect(response.outcome).toBe('error');
    const codes = (response.error as Json[]).map((e) => [
      e.code.coding[0].system,
      e.code.coding[0].code,
      e.extension.find((x: Json) => x.url === FIDES_PREFLIGHT.errorExpression)?.valueString,
      e.itemSequence,
    ]);
    expect(codes).toEqual([
      [FIDES_PREFLIGHT.ruleSystem, 'PF-CDRI-RIGHTS-CLOSED', 'lines[0].careDate', 1],
      [FIDES_PREFLIGHT.ruleSystem, 'PF-CDRI-RIGHTS-CLOSED', 'lines[1].careDate', 2],
    ]);
    // The stored findings name fields and rules, never the patient.
    const stored = await db.query(`SELECT preflight::text AS p FROM invoice WHERE id = $1`, [closedId]);
    expect(stored.rows[0].p).toContain('PF-CDRI-RIGHTS-CLOSED');
    expect(stored.rows[0].p).not.toContain(CLOSED_NIR.slice(0, 13));
    expect(stored.rows[0].p).not.toContain('1992');

    // A resend of the same held invoice is the stored Claim, nothing more.
    const again = await post(aceClaim({ invoiceNumber: '5002', beneficiaryNir: CLOSED_NIR }));
    expect(again.status).toBe(200);
    expect(stateOf(await json(again))).toBe('preflight-failed');
  });

  it('a broken invoice is held at once (no CDRi check asked): PF-RANK-REGIME', async () => {
    // Rank 001 under the régime général, no birth date: held without asking the insurer anything.
    const res = await post(aceClaim({ invoiceNumber: '5003', beneficiaryNir: OPEN_NIR, dependent: '1', birthDate: null }));
    brokenId = (await json(res)).id;
    await until(brokenId, 'preflight-failed');
    expect((await transitions(brokenId)).slice(1)).toEqual(['received→preflight-failed (preflight)']);
    const response = (await json(await get(`/fhir/ClaimResponse?request=Claim/${brokenId}`))).entry[0].resource;
    expect((response.error as Json[]).map((e) => e.code.coding[0].code)).toEqual(['PF-RANK-REGIME', 'PF-MANDATORY']);
  });

  it('the worklist shows the held invoices: a FHIR List and CSV, scoped to the establishment', async () => {
    const list = await json(await get('/fides/worklists/preflight'));
    expect(list).toMatchObject({ resourceType: 'List', status: 'current', mode: 'working' });
    const entries = list.entry as Json[];
    expect(entries.map((e) => e.item.reference)).toEqual([`Claim/${closedId}`, `Claim/${brokenId}`]);
    expect(entries[0].flag.coding.map((c: Json) => c.code)).toEqual(['PF-CDRI-RIGHTS-CLOSED', 'PF-CDRI-RIGHTS-CLOSED']);
    expect(entries[1].flag.coding.map((c: Json) => c.code)).toContain('PF-RANK-REGIME');

    for (const res of [
      await get('/fides/worklists/preflight?_format=csv'),
      await get('/fides/worklists/preflight', { ...headersAs('billing'), accept: 'text/csv' }),
    ]) {
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
      const csv = (await res.text()).replace(/^\uFEFF/, '');
      const lines = csv.trim().split(/\r?\n/);
      expect(lines[0]).toBe('invoice_number;version;finess;ipp;rule;field;severity;message;held_since');
      expect(lines.filter((l) => l.startsWith('000005002;1;')).map((l) => l.split(';')[4])).toEqual([
        'PF-CDRI-RIGHTS-CLOSED',
        'PF-CDRI-RIGHTS-CLOSED',
      ]);
      expect(lines.some((l) => l.startsWith('000005003;1;') && l.includes('PF-RANK-REGIME'))).toBe(true);
      expect(csv).not.toContain(CLOSED_NIR.slice(0, 13));
      expect(csv).not.toContain(OPEN_NIR.slice(0, 13));
    }

    const operator = await json(await get('/fides/worklists/preflight', headersAs('operator')));
    expect((operator.entry as Json[]).length).toBe(2);
    const other = await json(await get('/fides/worklists/preflight', { 'X-API-Key': OTHER_KEY }));
    expect(other.entry).toBeUndefined();
    expect(other.emptyReason.coding[0].code).toBe('nilknown');
    expect((await get('/fides/worklists/preflight', headersAs('gap'))).status).toBe(403);
  });

  it('a correction comes back as version 2, runs pre-flight again and ends ready; version 1 is kept', async () => {
    // The GAP had the wrong beneficiary: the corrected invoice names the right one (open rights).
    const res = await post(aceClaim({ invoiceNumber: '5002', beneficiaryNir: OPEN_NIR }), 'billing');
    expect(res.status).toBe(200);
    const v2 = await json(res);
    expect(v2.id).toBe(closedId);
    await until(closedId, 'ready');
    const t = await transitions(closedId);
    expect(t.slice(3)).toEqual(['preflight-failed→received (new-version)', 'received→ready (preflight)']);
    const versions = await db.query(`SELECT version FROM invoice_version WHERE invoice_id = $1`, [closedId]);
    expect(versions.rows).toEqual([{ version: 1 }]);
    expect((await db.query(`SELECT version FROM invoice WHERE id = $1`, [closedId])).rows[0].version).toBe(2);

    const list = await json(await get('/fides/worklists/preflight'));
    expect((list.entry as Json[]).map((e) => e.item.reference)).toEqual([`Claim/${brokenId}`]);
  });
});
