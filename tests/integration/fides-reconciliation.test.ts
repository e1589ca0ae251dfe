/**
 * The reconciliation views against the running gateway (real PostgreSQL, FIDES on): after an ARL and an RSP applied
 * by the FIDES returns handler on the gateway's database, the ClaimResponse carries the payment, the reject code and
 * the paid-vs-billed adjudication; the payment is a PaymentReconciliation (read and search); the lot has its totals;
 * the rejects worklist groups by code (FHIR List and CSV); operators see the return files, errors included. Reads
 * are FINESS-scoped: another establishment's payment is not found. Every FHIR answer is schema-valid, none holds the
 * NIR the RSP carried.
 */
import { type DataSource } from 'typeorm';
import { MIGRATIONS } from '../../src/app/flows';
import { FidesReturnsHandler } from '../../src/fides/returns/fides-returns.handler';
import { createDataSource } from '../../src/persistence/data-source';
import { Sql } from '../../src/persistence/sql';
import { FIDES_TEST_FINESS } from '../support/fides-claims';
import { arlFor, returnedFile, RSP_NIR, rspFor, seedLot, type SeededLot } from '../support/fides-returns';
import { expectValidFhir, prepareFhirSchema } from '../support/fhir-schema';
import { type GatewayFixture, headersAs, startGatewayFixture } from '../support/gateway-process';
import type { Role } from '../../src/access/roles';

type Json = Record<string, any>;

describe('FIDES reconciliation views', () => {
  let fx: GatewayFixture;
  let ds: DataSource;
  let sql: Sql;
  let lot: SeededLot;
  let otherLot: SeededLot;
  let handler: FidesReturnsHandler;

  beforeAll(async () => {
    prepareFhirSchema();
    fx = await startGatewayFixture({ env: { FIDES_ENABLED: 'true', ESTABLISHMENT_FINESS: FIDES_TEST_FINESS } });
    ds = createDataSource(fx.databaseUrl, 2, MIGRATIONS);
    await ds.initialize();
    sql = new Sql(ds);
    handler = new FidesReturnsHandler(sql);
    lot = await seedLot(sql, [2100, 3000, 4000, 5000]);
    await handler.apply(returnedFile('ARL', lot, arlFor(lot, 'P')));
    const [a, b, c, d] = lot.invoices;
    const applied = await handler.apply(
      returnedFile(
        'RSP',
        lot,
        rspFor(lot, [
          { invoice: a.number, outcome: 'P', paid: 2100 },
          { invoice: b.number, outcome: 'P', paid: 2500 },
          { invoice: c.number, outcome: 'R', billed: 4000, motive: ['DF001', 'Droits fermes a la date des soins'] },
          { invoice: d.number, outcome: 'R', billed: 5000, motive: ['DF001', 'Droits fermes a la date des soins'] },
        ]),
      ),
    );
    expect(applied).toMatchObject({ status: 'applied', invoices: 4 });
    // Another establishment's lot, paid: invisible to this establishment's billing office.
    otherLot = await seedLot(sql, [700], { finess: '990000036' });
    await handler.apply(
      returnedFile(
        'RSP',
        otherLot,
        rspFor(otherLot, [{ invoice: otherLot.invoices[0].number, outcome: 'P', paid: 700, reference: 'VIROTHER' }], {
          finess: '990000036',
        }),
      ),
    );
    // And one return in error, for the operators' list.
    await handler.apply(returnedFile('ARL', lot, arlFor(lot, 'P', { fileNumber: '999998' })));
  });

  afterAll(async () => {
    await ds?.destroy();
    await fx?.close();
  });

  const get = (path: string, role: Role = 'billing') => fetch(`${fx.gateway.baseUrl}${path}`, { headers: headersAs(role) });
  const fhir = async (path: string, role: Role = 'billing'): Promise<Json> => {
    const res = await get(path, role);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Json;
    expectValidFhir(body);
    expect(JSON.stringify(body)).not.toContain(RSP_NIR);
    return body;
  };

  it('ClaimResponse: payment and adjudication when paid, the reject code and what to do when rejected', async () => {
    const [a, b, c] = lot.invoices;
    const paid = (await fhir(`/fhir/ClaimResponse?request=Claim/${a.id}`)).entry[0].resource;
    expect(paid.outcome).toBe('complete');
    expect(paid.payment).toEqual({
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/ex-paymenttype', code: 'complete' }] },
      date: '2026-12-10',
      amount: { value: 21, currency: 'EUR' },
      identifier: { system: 'https://passerelle.dev/fhir/sid/noemie-payment-reference', value: 'VIR20261210A' },
    });
    expect(paid.total.map((t: Json) => [t.category.coding[0].code, t.amount.value])).toEqual([
      ['submitted', 21],
      ['benefit', 21],
    ]);
    const partly = (await fhir(`/fhir/ClaimResponse?request=Claim/${b.id}`)).entry[0].resource;
    expect(partly.extension).toEqual([
      { url: 'https://passerelle.dev/fhir/StructureDefinition/fides-amount-mismatch', valueBoolean: true },
    ]);
    expect(partly.disposition).toMatch(/paid 25\.00 EUR of 30\.00 EUR billed to the AMO: the amounts differ/);
    const rejected = (await fhir(`/fhir/ClaimResponse?request=Claim/${c.id}`)).entry[0].resource;
    expect(rejected.outcome).toBe('error');
    expect(rejected.payment).toBeUndefined();
    expect(rejected.error).toEqual([
      {
        code: {
          coding: [
            {
              system: 'https://passerelle.dev/fhir/CodeSystem/noemie-reject',
              code: 'DF001',
              display: 'AMO rights closed at the date of care',
            },
          ],
          text: 'DROITS FERMES A LA DATE DES SOINS',
        },
      },
    ]);
    expect(rejected.disposition).toMatch(/Run a CDRi rights check/);
  });

  it('PaymentReconciliation: the transfer with one detail per invoice it pays; search by reference; FINESS-scoped', async () => {
    const bundle = await fhir(`/fhir/PaymentReconciliation?identifier=VIR20261210A`);
    expect(bundle.total).toBe(1);
    const pr = bundle.entry[0].resource;
    expect(pr).toMatchObject({
      resourceType: 'PaymentReconciliation',
      status: 'active',
      outcome: 'complete',
      paymentDate: '2026-12-10',
      paymentAmount: { value: 46, currency: 'EUR' },
      paymentIdentifier: { value: 'VIR20261210A' },
      requestor: { identifier: { value: FIDES_TEST_FINESS } },
    });
    expect(pr.detail.map((d: Json) => [d.request.reference, d.amount.value])).toEqual([
      [`Claim/${lot.invoices[0].id}`, 21],
      [`Claim/${lot.invoices[1].id}`, 25],
    ]);
    expect(await fhir(`/fhir/PaymentReconciliation/${pr.id}`)).toEqual(pr);
    // The other establishment's transfer: not in this office's search, not readable, visible to an operator.
    expect((await fhir(`/fhir/PaymentReconciliation?identifier=VIROTHER`)).total).toBe(0);
    const other = (await fhir(`/fhir/PaymentReconciliation?identifier=VIROTHER`, 'operator')).entry[0].resource;
    expect((await get(`/fhir/PaymentReconciliation/${other.id}`)).status).toBe(404);
    expect((await get(`/fhir/PaymentReconciliation/${other.id}`, 'gap')).status).toBe(403);
  });

  it('lot totals: billed, paid, rejected, mismatches and the payments', async () => {
    const res = await get(`/fides/lots/${lot.id}/reconciliation`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      lotRef: lot.lotRef,
      state: 'acknowledged',
      arlStatus: 'positive',
      invoiceCount: 4,
      byState: { paid: 1, 'partly-paid': 1, rejected: 2 },
      billedCents: 14100,
      paidCents: 4600,
      rejectedCents: 9000,
      outstandingCents: 0,
      mismatches: 1,
      payments: [{ reference: 'VIR20261210A', date: '2026-12-10', amountCents: 4600, invoiceCount: 2 }],
    });
    expect((await get(`/fides/lots/${otherLot.id}/reconciliation`)).status).toBe(404);
  });

  it('rejects worklist: grouped by code with count, amount at stake and what to do; CSV for the billing office', async () => {
    const list = await fhir('/fides/worklists/rejects');
    expect(list.resourceType).toBe('List');
    expect(list.entry).toHaveLength(1);
    expect(list.entry[0].flag.coding[0].code).toBe('DF001');
    const group = list.contained[0];
    expect(group.extension.map((e: Json) => e.valueUnsignedInt ?? e.valueMoney?.value ?? e.valueString)).toEqual([
      2,
      90,
      expect.stringMatching(/^Run a CDRi rights check/),
    ]);
    expect(group.entry.map((e: Json) => e.item.reference)).toEqual([`Claim/${lot.invoices[2].id}`, `Claim/${lot.invoices[3].id}`]);
    const csv = await get('/fides/worklists/rejects?_format=csv');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await csv.text())
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe(
      'reject_code;motive;what_to_do;group_count;group_amount_eur;invoice_number;finess;lot;amount_eur;caisse_wording;rejected_at;claim',
    );
    expect(lines).toHaveLength(3);
    expect(lines[1].startsWith('DF001;AMO rights closed at the date of care;')).toBe(true);
    expect(lines.join('\n')).not.toContain(RSP_NIR);
    expect((await get('/fides/worklists/rejects', 'gap')).status).toBe(403);
  });

  it('operators list the return files, errors with their code', async () => {
    const res = await get('/fides/returns?status=error', 'operator');
    expect(res.status).toBe(200);
    const { returns } = (await res.json()) as { returns: Json[] };
    expect(returns.map((r) => r.errorCode)).toEqual(['RETURN-UNKNOWN-LOT']);
    expect((await get('/fides/returns', 'billing')).status).toBe(403);
  });
});
