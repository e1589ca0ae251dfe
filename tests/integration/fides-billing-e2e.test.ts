/**
 * The money path end to end, every part real: the gateway process (PostgreSQL, Redis), the CDRi simulator, the AMO
 * simulator (a real SMTP server that decrypts, verifies the seal, reads the B2 and answers sealed + encrypted ARL and
 * RSP files into the returns folder), the transmission outbox over SMTP and the returns poller.
 *
 * Claims (a batch Bundle) and an RSF month go in; pre-flight asks CDRi, holds what it must; the rest is closed into a
 * lot by hand, sealed, encrypted, sent; the ARL and the RSP come back through the returns intake and are applied once;
 * each invoice's whole history is checked, then the payment (PaymentReconciliation), the rejects worklist and the lot.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'pg';
import { FIDES_EXTENSIONS } from '../../src/fides/fhir/fides-fhir-definitions';
import type { AmoSimulator } from '../../src/simulators/amo/amo-simulator';
import { makeTestNir } from '../../src/simulators/cdri/simulated-patients';
import { type BillingFixture, startBillingFixture } from '../support/fides-billing-fixture';
import { aceClaim } from '../support/fides-claims';
import { type GatewayFixture, headersAs } from '../support/gateway-process';
import { waitFor } from '../support/wait-for';

type Json = Record<string, any>;

const RSF_SAMPLE = join(__dirname, '..', '..', 'src', 'fides', 'rsf', 'samples', 'sample-month.rsf');
const patient = (order: number) => makeTestNir({ sex: 2, year: 92, month: 1, dept: '75', commune: 123, order });
/** CDRi simulator scenarios by numéro d'ordre (src/simulators/cdri/simulated-patients.ts). */
const OPEN = patient(123);
const CLOSED_AT_CDRI = patient(410);
/** Open at CDRi, but the AMO simulator is told the rights closed since: the insurer rejects the invoice. */
const CLOSED_AT_AMO = patient(130);

const PATH_PAID = ['received', 'awaiting-rights', 'ready', 'in-lot', 'sent', 'acknowledged', 'paid'];
const PATH_REJECTED = ['received', 'awaiting-rights', 'ready', 'in-lot', 'sent', 'acknowledged', 'rejected'];
const PATH_HELD = ['received', 'awaiting-rights', 'preflight-failed'];
const FINAL = new Set(['paid', 'partly-paid', 'warned', 'rejected', 'preflight-failed']);

describe('FIDES end to end: Claims and RSF → pre-flight → lot → sealed, encrypted, sent → ARL → RSP → reconciled', () => {
  let billing: BillingFixture;
  let fx: GatewayFixture;
  let amo: AmoSimulator;
  let db: Client;

  beforeAll(async () => {
    billing = await startBillingFixture();
    ({ fx, amo, db } = billing);
    amo.overrideRights(CLOSED_AT_AMO, {
      status: 'CLOSED',
      periods: [{ start: '2020-01-01', end: '2025-12-31' }],
      c2s: false,
      ame: false,
      maternity: false,
      insurerReference: 'SIM-CLOSED-SINCE',
    } as never);
  });

  afterAll(async () => billing?.close());

  const url = (path: string) => `${fx.gateway.baseUrl}${path}`;
  const get = async (path: string): Promise<Json> => {
    const res = await fetch(url(path), { headers: headersAs('billing') });
    expect(res.status).toBe(200);
    return (await res.json()) as Json;
  };
  const stateOf = (claim: Json) => (claim.extension as Json[]).find((e) => e.url === FIDES_EXTENSIONS.invoiceState)?.valueCode as string;
  const path = async (id: string) =>
    (await db.query<{ to_state: string }>(`SELECT to_state FROM invoice_transition WHERE invoice_id = $1 ORDER BY id`, [id])).rows.map(
      (r) => r.to_state,
    );
  const stateOfId = async (id: string) => stateOf(await get(`/fhir/Claim/${id}`));

  it('follows every invoice to paid, held or rejected, each state recorded once and in order', async () => {
    // 1. Claims in one batch Bundle, and the RSF month.
    const claims = [
      aceClaim({ invoiceNumber: '7001', beneficiaryNir: OPEN }),
      aceClaim({ invoiceNumber: '7002', beneficiaryNir: CLOSED_AT_CDRI }),
      aceClaim({ invoiceNumber: '7003', beneficiaryNir: CLOSED_AT_AMO }),
    ];
    const bundle = await fetch(url('/fhir'), {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', ...headersAs('gap') },
      body: JSON.stringify({
        resourceType: 'Bundle',
        type: 'batch',
        entry: claims.map((resource) => ({ resource, request: { method: 'POST', url: 'Claim' } })),
      }),
    });
    expect(bundle.status).toBe(200);
    const answer = (await bundle.json()) as Json;
    const ids = (answer.entry as Json[]).map((e) => {
      expect(e.response.status).toMatch(/^201/);
      return String(e.response.location).split('/')[1];
    });
    const [paidId, heldId, rejectedId] = ids;
    const rsf = await fetch(url('/fides/rsf?year=2026'), {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=iso-8859-1', ...headersAs('billing') },
      body: readFileSync(RSF_SAMPLE),
    });
    expect(rsf.status).toBe(202);
    const rsfIds = ((await get('/fhir/Claim?identifier=4711')).entry as Json[])
      .concat((await get('/fhir/Claim?identifier=4712')).entry as Json[])
      .map((e) => String(e.resource.id));
    expect(rsfIds).toHaveLength(2);

    // 2. Pre-flight: the CDRi checks it queued are answered; nothing waits any more.
    await waitFor(
      'pre-flight to settle every invoice',
      async () => {
        for (const id of [...ids, ...rsfIds]) if (['received', 'awaiting-rights'].includes(await stateOfId(id))) return false;
        return true;
      },
      60_000,
    );
    expect(await stateOfId(heldId)).toBe('preflight-failed');
    const held = await get(`/fhir/ClaimResponse?request=Claim/${heldId}`);
    expect(held.entry[0].resource.outcome).toBe('error');

    // 3. The lot, closed by hand.
    const close = await fetch(url('/fides/lots/close'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headersAs('billing') },
      body: '{}',
    });
    expect(close.status).toBe(200);
    const closed = (await close.json()) as Json;
    expect(closed.lots.length).toBeGreaterThanOrEqual(1);

    // 4. Sent, ARL, RSP: every invoice reaches a final state.
    await waitFor(
      'every invoice to reach a final state',
      async () => {
        for (const id of [...ids, ...rsfIds]) if (!FINAL.has(await stateOfId(id))) return false;
        return true;
      },
      90_000,
    );
    expect(await path(paidId)).toEqual(PATH_PAID);
    expect(await path(rejectedId)).toEqual(PATH_REJECTED);
    expect(await path(heldId)).toEqual(PATH_HELD);
    for (const id of rsfIds) {
      const p = await path(id);
      // Whatever the simulators decide for the RSF patients, the history is one of the legal paths: held at once
      // (data wrong in the invoice itself), held after the CDRi answer, or sent and answered by the insurer.
      const legal = [
        ['received', 'preflight-failed'],
        PATH_HELD,
        ...['paid', 'partly-paid', 'warned', 'rejected'].map((f) => [...PATH_PAID.slice(0, 6), f]),
      ];
      expect(legal.map((l) => l.join())).toContain(p.join());
    }

    // 5. What the GAP and the billing office see.
    const paid = (await get(`/fhir/ClaimResponse?request=Claim/${paidId}`)).entry[0].resource;
    expect(paid.outcome).toBe('complete');
    expect(paid.payment.amount.value).toBeGreaterThan(0);
    const rejected = (await get(`/fhir/ClaimResponse?request=Claim/${rejectedId}`)).entry[0].resource;
    expect(rejected.outcome).toBe('error');
    expect(JSON.stringify(rejected.error)).toContain('DF001');
    const reference = paid.payment.identifier.value as string;
    const recon = await get(`/fhir/PaymentReconciliation?identifier=${encodeURIComponent(reference)}`);
    expect(recon.total).toBe(1);
    expect(JSON.stringify(recon.entry[0].resource.detail)).toContain(`Claim/${paidId}`);
    const rejects = await get('/fides/worklists/rejects');
    expect(JSON.stringify(rejects)).toContain(`Claim/${rejectedId}`);

    // 6. The lot: acknowledged, sent once, its numbers 1…n without a gap.
    const lots = (await db.query(`SELECT state, arl_status, possible_duplicate, file_number FROM fides_lot ORDER BY file_number`)).rows;
    expect(lots.map((l) => l.state)).toEqual(lots.map(() => 'acknowledged'));
    expect(lots.map((l) => Number(l.file_number))).toEqual(lots.map((_, i) => i + 1));
    expect(lots.every((l) => l.possible_duplicate === false)).toBe(true);
    const sent = (await db.query(`SELECT count(*)::int AS n FROM transmission WHERE flow = 'fides' AND state = 'sent'`)).rows[0].n;
    expect(sent).toBe(lots.length);
    expect(amo.stats()).toMatchObject({
      filesReceived: lots.length,
      duplicatesReceived: 0,
      arlWritten: lots.length,
      rspWritten: lots.length,
    });
    const applied = (await db.query(`SELECT kind, status FROM fides_return ORDER BY kind`)).rows;
    expect(
      applied
        .filter((r) => r.status === 'applied')
        .map((r) => r.kind)
        .sort(),
    ).toEqual([...lots.map(() => 'ARL'), ...lots.map(() => 'RSP')].sort());
  });
});
