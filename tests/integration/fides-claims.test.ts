import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { FIDES_EXTENSIONS } from '../../src/fides/fhir/fides-fhir-definitions';
import { aceClaim, FIDES_TEST_FINESS } from '../support/fides-claims';
import { expectValidFhir, prepareFhirSchema } from '../support/fhir-schema';
import { type GatewayFixture, headersAs, startGatewayFixture } from '../support/gateway-process';
import type { Role } from '../../src/access/roles';

type Json = Record<string, any>;

const RSF_SAMPLE = join(__dirname, '..', '..', 'src', 'fides', 'rsf', 'samples', 'sample-month.rsf');

/**
 * FIDES intake against the running gateway (real PostgreSQL and Redis): Claims stored and read back, idempotent
 * resends, 409 on a reused number, a batch with one bad entry, search by number, ClaimResponse queued, the RSF
 * sample month imported with its counts, and who may do what.
 */
describe('FIDES intake: Claims and RSF', () => {
  let fx: GatewayFixture;

  beforeAll(async () => {
    prepareFhirSchema();
    // Test clients act for ESTABLISHMENT_FINESS: the RSF sample's FINESS géographique.
    fx = await startGatewayFixture({ env: { FIDES_ENABLED: 'true', ESTABLISHMENT_FINESS: FIDES_TEST_FINESS } });
  });

  afterAll(async () => {
    await fx?.close();
  });

  const post = (path: string, body: unknown, role: Role = 'gap') =>
    fetch(`${fx.gateway.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', ...headersAs(role) },
      body: JSON.stringify(body),
    });
  const get = (path: string, role: Role = 'billing') => fetch(`${fx.gateway.baseUrl}${path}`, { headers: headersAs(role) });
  const json = async (res: Response) => {
    const body = (await res.json()) as Json;
    expectValidFhir(body);
    return body;
  };

  it('stores a Claim (201 + Location), reads it back, and answers a resend with the stored Claim (200)', async () => {
    const res = await post('/fhir/Claim', aceClaim({ invoiceNumber: '1001' }));
    expect(res.status).toBe(201);
    const claim = await json(res);
    expect(res.headers.get('location')).toBe(`/fhir/Claim/${claim.id}`);
    expect(claim.identifier[0]).toEqual({ system: 'https://passerelle.dev/fhir/sid/fides-invoice-number', value: '000001001' });
    expect(claim.extension[0]).toEqual({ url: FIDES_EXTENSIONS.invoiceState, valueCode: 'received' });
    expect(claim.item).toHaveLength(2);
    expect(claim.item[1].productOrService.coding[0].code).toBe('DEQP003');

    const read = await get(`/fhir/Claim/${claim.id}`);
    expect(read.status).toBe(200);
    // Pre-flight may have moved it on meanwhile (its own test: fides-preflight.test.ts): all else reads back as sent.
    const withoutState = (c: Record<string, any>) => ({
      ...c,
      meta: undefined,
      extension: (c.extension as Array<Record<string, unknown>>).filter((e) => e.url !== FIDES_EXTENSIONS.invoiceState),
    });
    expect(withoutState(await json(read))).toEqual(withoutState(claim));

    const again = await post('/fhir/Claim', aceClaim({ invoiceNumber: '1001' }), 'billing');
    expect(again.status).toBe(200);
    expect((await json(again)).id).toBe(claim.id);

    const db = new Client({ connectionString: fx.databaseUrl });
    await db.connect();
    try {
      const rows = await db.query(
        `SELECT t.from_state, t.to_state, t.cause, t.actor FROM invoice_transition t JOIN invoice i ON i.id = t.invoice_id WHERE i.id = $1 ORDER BY t.id`,
        [claim.id],
      );
      expect(rows.rows[0]).toEqual({ from_state: null, to_state: 'received', cause: 'fhir-claim', actor: 'test-gap' });
      const audit = await db.query(`SELECT count(*)::int AS n FROM audit_event WHERE action = 'invoice.received'`);
      expect(audit.rows[0].n).toBeGreaterThan(0);
    } finally {
      await db.end();
    }
  });

  it('refuses the same number with other content: 409 naming Claim.identifier', async () => {
    expect((await post('/fhir/Claim', aceClaim({ invoiceNumber: '1002' }))).status).toBe(201);
    const res = await post('/fhir/Claim', aceClaim({ invoiceNumber: '1002', unitPrice: 31 }));
    expect(res.status).toBe(409);
    const outcome = await json(res);
    expect(outcome.issue[0]).toMatchObject({ code: 'conflict', expression: ['Claim.identifier'] });
  });

  it('refuses bad Claims with an OperationOutcome naming the FHIRPath (400), and a zero invoice number (422)', async () => {
    const noCoverage = { ...aceClaim({ invoiceNumber: '1003' }), contained: undefined };
    const res = await post('/fhir/Claim', noCoverage);
    expect(res.status).toBe(400);
    expect((await json(res)).issue[0].expression).toEqual(['Claim.contained']);

    const zero = await post('/fhir/Claim', aceClaim({ invoiceNumber: '0' }));
    expect(zero.status).toBe(422);
    expect((await json(zero)).issue[0].expression).toEqual(['Claim.identifier']);
  });

  it('refuses a Claim for an establishment the client does not bill for (403)', async () => {
    const res = await post('/fhir/Claim', aceClaim({ invoiceNumber: '1004', finess: '010000024' }));
    expect(res.status).toBe(403);
    expect((await json(res)).issue[0].expression).toEqual(['Claim.provider']);
  });

  it('takes a batch Bundle: each entry its own status, one bad entry never blocks the others', async () => {
    const bad = aceClaim({ invoiceNumber: '2002' });
    (bad.item as Json[])[0].productOrService = { coding: [{ system: 'urn:unknown', code: 'X' }] };
    const bundle = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [aceClaim({ invoiceNumber: '2001' }), bad, aceClaim({ invoiceNumber: '1001' }), aceClaim({ invoiceNumber: '2003' })].map(
        (resource) => ({ resource, request: { method: 'POST', url: 'Claim' } }),
      ),
    };
    const res = await post('/fhir', bundle, 'billing');
    expect(res.status).toBe(200);
    const answer = await json(res);
    expect(answer.type).toBe('batch-response');
    expect(answer.entry.map((e: Json) => e.response.status)).toEqual(['201 Created', '400', '200 OK', '201 Created']);
    expect(answer.entry[1].response.outcome.issue[0].expression).toEqual(['Claim.item[0].productOrService.coding']);
    expect(answer.entry[3].response.location).toMatch(/^Claim\/[0-9a-f-]{36}$/);

    const tooMany = { ...bundle, entry: Array.from({ length: 1001 }, () => bundle.entry[0]) };
    const refused = await post('/fhir', tooMany, 'billing');
    expect(refused.status).toBe(400);
    expect((await json(refused)).issue[0].expression).toEqual(['Bundle.entry']);
  });

  it('finds an invoice by number (searchset) and says it is queued (ClaimResponse)', async () => {
    const found = await json(await get('/fhir/Claim?identifier=2001'));
    expect(found).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 1 });
    const id = found.entry[0].resource.id as string;
    const none = await json(await get('/fhir/Claim?identifier=https://passerelle.dev/fhir/sid/fides-invoice-number|999999'));
    expect(none.total).toBe(0);

    const responses = await json(await get(`/fhir/ClaimResponse?request=Claim/${id}`, 'operator'));
    expect(responses.total).toBe(1);
    expect(responses.entry[0].resource).toMatchObject({
      resourceType: 'ClaimResponse',
      outcome: 'queued',
      request: { reference: `Claim/${id}` },
    });
  });

  it('imports the RSF sample month: counts, then a re-import changes nothing', async () => {
    const send = () =>
      fetch(`${fx.gateway.baseUrl}/fides/rsf?year=2026`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain; charset=iso-8859-1', ...headersAs('billing') },
        body: readFileSync(RSF_SAMPLE),
      });
    const counts = (p: Json) =>
      Object.fromEntries((p.parameter as Json[]).filter((x) => 'valueUnsignedInt' in x).map((x) => [x.name, x.valueUnsignedInt]));
    const first = await send();
    expect(first.status).toBe(202);
    expect(counts(await json(first))).toEqual({ lines: 9, read: 2, accepted: 2, refused: 0, stored: 2, alreadyReceived: 0, moreErrors: 0 });
    const second = await send();
    expect(counts(await json(second))).toMatchObject({ read: 2, accepted: 2, stored: 0, alreadyReceived: 2 });

    const stay = await json(await get('/fhir/Claim?identifier=4711'));
    expect(stay.total).toBe(1);
    expect(stay.entry[0].resource.provider.identifier.value).toBe(FIDES_TEST_FINESS);
  });

  it('names line, record type and field of a bad RSF line, and still takes the good invoice', async () => {
    const lines = readFileSync(RSF_SAMPLE, 'latin1').split('\r\n');
    // Line 2 (a B line of the first invoice): its care date made non-numeric.
    lines[1] = lines[1].slice(0, 69) + 'XXXXXXXX' + lines[1].slice(77);
    const res = await fetch(`${fx.gateway.baseUrl}/fides/rsf?year=2026`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=iso-8859-1', ...headersAs('billing') },
      body: Buffer.from(lines.join('\r\n'), 'latin1'),
    });
    expect(res.status).toBe(202);
    const p = await json(res);
    const byName = (n: string) => (p.parameter as Json[]).find((x) => x.name === n)?.valueUnsignedInt;
    expect([byName('read'), byName('refused')]).toEqual([2, 1]);
    const error = (p.parameter as Json[]).find((x) => x.name === 'error');
    const part = (n: string) => (error?.part as Json[]).find((x) => x.name === n);
    expect(part('line')?.valueUnsignedInt).toBe(2);
    expect(part('recordType')?.valueString).toBe('B');
    expect(part('field')?.valueString).toMatch(/\(.+\)/);
  });

  it('denies kiosks and the roles not listed (403)', async () => {
    expect((await post('/fhir/Claim', aceClaim({ invoiceNumber: '3001' }), 'kiosk')).status).toBe(403);
    expect((await get('/fhir/Claim?identifier=1001', 'kiosk')).status).toBe(403);
    expect((await post('/fhir/Claim', aceClaim({ invoiceNumber: '3001' }), 'batch')).status).toBe(403);
    const rsf = await fetch(`${fx.gateway.baseUrl}/fides/rsf`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', ...headersAs('gap') },
      body: 'A',
    });
    expect(rsf.status).toBe(403);
  });

  it('publishes the Claim interactions and our extensions in the CapabilityStatement', async () => {
    const cs = await json(await get('/fhir/metadata'));
    const claim = (cs.rest[0].resource as Json[]).find((r) => r.type === 'Claim');
    expect((claim?.interaction as Json[]).map((i) => i.code).sort()).toEqual(['create', 'read', 'search-type']);
    for (const url of Object.values(FIDES_EXTENSIONS)) expect(claim?.documentation).toContain(url);
    expect(cs.rest[0].interaction).toEqual([expect.objectContaining({ code: 'batch' })]);
  });

  it("answers another establishment's invoice as not found, except to operators", async () => {
    const db = new Client({ connectionString: fx.databaseUrl });
    await db.connect();
    let id: string;
    try {
      const copy = await db.query<{ id: string }>(
        `INSERT INTO invoice (id, finess, invoice_number, source, content_hash, draft, state, submitted_by)
         SELECT gen_random_uuid(), '010000024', invoice_number, source, content_hash, draft, state, 'elsewhere'
         FROM invoice WHERE invoice_number = '000001001' RETURNING id`,
      );
      id = copy.rows[0].id;
    } finally {
      await db.end();
    }
    expect((await get(`/fhir/Claim/${id}`, 'gap')).status).toBe(404);
    expect((await json(await get(`/fhir/ClaimResponse?request=Claim/${id}`, 'gap'))).total).toBe(0);
    expect((await get(`/fhir/Claim/${id}`, 'operator')).status).toBe(200);
    expect((await json(await get('/fhir/Claim?identifier=1001', 'gap'))).total).toBe(1);
    expect((await json(await get('/fhir/Claim?identifier=1001', 'operator'))).total).toBe(2);
  });
});
