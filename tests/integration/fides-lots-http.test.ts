/**
 * FIDES lots through the running gateway (real PostgreSQL, Redis, the transport flow with a file-drop channel):
 * POST /fides/lots/close makes and hands over the caller's lots, the worker sends them and the lots schedule follows
 * them to `sent`; reads are FINESS-scoped; a caisse with no recipient and an overdue ARL show in /health and /metrics.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DataSource } from 'typeorm';
import type { Role } from '../../src/access/roles';
import { InvoiceStore } from '../../src/fides/invoice.store';
import { rsfSampleDrafts } from '../../src/fides/lots/lots.test-support';
import { createDataSource } from '../../src/persistence/data-source';
import { Sql } from '../../src/persistence/sql';
import { FIDES_TEST_FINESS } from '../support/fides-claims';
import { seedReady, TEST_EMITTER } from '../support/fides-lots';
import { type GatewayFixture, headersAs, startGatewayFixture, TEST_API_CLIENTS } from '../support/gateway-process';
import { getTestPki } from '../support/test-pki';
import { waitFor } from '../support/wait-for';

const OTHER_SITE = '750712184';
const OTHER_BILLING_KEY = 'other-billing-key-0123456789abcdef-012';

type Json = any;

describe('FIDES lots over HTTP', () => {
  const pki = getTestPki();
  const dir = mkdtempSync(join(tmpdir(), 'fides-lots-http-'));
  let fx: GatewayFixture;
  let ds: DataSource;
  let sql: Sql;

  beforeAll(async () => {
    const recipientCert = join(dir, 'cpam-75.pem');
    writeFileSync(recipientCert, pki.recipient.certPem + pki.recipient.chainPem);
    const recipientsFile = join(dir, 'fides-recipients.json');
    writeFileSync(recipientsFile, JSON.stringify({ entries: [{ grandRegime: '01', managingFund: '751', recipientId: 'cpam-75' }] }));
    for (const d of ['spool', 'drop']) mkdirSync(join(dir, d));
    fx = await startGatewayFixture({
      env: {
        FIDES_ENABLED: 'true',
        ESTABLISHMENT_FINESS: FIDES_TEST_FINESS,
        FIDES_EMITTER_FINESS: TEST_EMITTER,
        FIDES_RECIPIENTS_FILE: recipientsFile,
        FIDES_LOT_SWEEP_INTERVAL_MS: '300',
        FIDES_ARL_ALERT_HOURS: '48',
        API_CLIENTS: `${TEST_API_CLIENTS},billing-b:${createHash('sha256').update(OTHER_BILLING_KEY).digest('hex')}:billing:${OTHER_SITE}`,
        SIGNING_SEAL_P12_FILE: pki.seal.p12Path,
        SIGNING_SEAL_P12_PASSWORD: pki.p12Password,
        SIGNING_TRUST_STORE_FILE: pki.trustStorePath,
        TRANSMISSION_RECIPIENT_CERTS: `cpam-75:${recipientCert}`,
        TRANSMISSION_RECIPIENTS: 'cpam-75:file-drop:',
        TRANSMISSION_SPOOL_DIR: join(dir, 'spool'),
        TRANSMISSION_JOB_BACKOFF_MS: '50',
        TRANSMISSION_SWEEP_INTERVAL_MS: '300',
        FILE_DROP_DIR: join(dir, 'drop'),
      },
    });
    ds = createDataSource(fx.databaseUrl, 2, []);
    await ds.initialize();
    sql = new Sql(ds);
  });

  afterAll(async () => {
    await ds?.destroy();
    await fx?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = (method: string, path: string, as: Role | Record<string, string>, body?: unknown) =>
    fetch(`${fx.gateway.baseUrl}${path}`, {
      method,
      headers: { ...(typeof as === 'string' ? headersAs(as) : as), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const otherBilling = { 'X-API-Key': OTHER_BILLING_KEY };

  it('closes the caller’s ready invoices into a lot, sends it, shows it to its establishment and operators only', async () => {
    const ace = (await rsfSampleDrafts())[1];
    const invoices = new InvoiceStore(sql);
    const ids = await seedReady(invoices, ace, { finess: FIDES_TEST_FINESS, firstNumber: 300, count: 2 });
    await seedReady(invoices, ace, { finess: FIDES_TEST_FINESS, firstNumber: 400, count: 1, managingFund: '931' });

    expect((await call('POST', '/fides/lots/close', 'billing', { finess: OTHER_SITE })).status).toBe(403);
    const res = await call('POST', '/fides/lots/close', 'billing', {});
    expect(res.status).toBe(200);
    const closed = (await res.json()) as Json;
    expect(closed.unrouted).toEqual([{ finess: FIDES_TEST_FINESS, grandRegime: '01', managingFund: '931', invoices: 1 }]);
    expect(closed.lots).toHaveLength(1);
    const lot = closed.lots[0];
    expect(lot).toMatchObject({
      lotRef: `B2-${TEST_EMITTER}-01751-000001`,
      state: 'handed-over',
      invoiceCount: 2,
      closeCause: 'manual',
      closedBy: 'test-billing',
      transmission: expect.stringMatching(/^Task\//),
    });

    const sent = await waitFor('the lot sent', async () => {
      const r = (await (await call('GET', `/fides/lots/${lot.id}`, 'billing')).json()) as Json;
      return r.state === 'sent' && r;
    });
    expect(sent.invoices.map((i: Json) => i.claim)).toEqual(ids.map((id) => `Claim/${id}`));
    expect(readdirSync(join(dir, 'drop')).filter((f) => f.endsWith(`__${lot.lotRef}.p7m`))).toHaveLength(1);
    const claim = (await (await call('GET', `/fhir/Claim/${ids[0]}`, 'billing')).json()) as Json;
    expect(JSON.stringify(claim)).toContain('"valueCode":"sent"');

    const list = async (q: string, as: Role | Record<string, string>) =>
      ((await (await call('GET', `/fides/lots${q}`, as)).json()) as Json).lots.map((l: Json) => l.lotRef);
    expect(await list('?state=sent', 'billing')).toEqual([lot.lotRef]);
    expect(await list('?state=sent', 'operator')).toEqual([lot.lotRef]);
    expect(await list('', otherBilling)).toEqual([]);
    expect((await call('GET', `/fides/lots/${lot.id}`, otherBilling)).status).toBe(404);
    expect((await call('GET', '/fides/lots?state=lost', 'billing')).status).toBe(400);
    expect(await list('?arl=overdue', 'billing')).toEqual([]);

    // A caisse with no recipient: counted and listed.
    const metrics = await waitFor('the unrouted gauge', async () => {
      const text = await (await call('GET', '/metrics', 'metrics')).text();
      return text.includes('passerelle_fides_invoices_unrouted{caisse="01/931"} 1') && text;
    });
    expect(metrics).toContain('passerelle_fides_lots{state="sent"} 1');

    // Sent two days ago with no ARL: overdue in the list, the gauge and /health.
    await sql.exec(`UPDATE fides_lot SET sent_at = now() - interval '49 hours' WHERE id = $1`, [lot.id]);
    expect(await list('?arl=overdue', 'billing')).toEqual([lot.lotRef]);
    expect(((await (await call('GET', `/fides/lots/${lot.id}`, 'operator')).json()) as Json).arl).toEqual({
      status: null,
      reason: null,
      overdue: true,
    });
    expect(await (await call('GET', '/metrics', 'metrics')).text()).toContain('passerelle_fides_lots_arl_overdue 1');
    const health = await waitFor(
      'the ARL probe degraded',
      async () => {
        const h = (await (await call('GET', '/health', 'operator')).json()) as Json;
        return h.checks['fides-lots-arl']?.status === 'degraded' && h;
      },
      30_000,
      500,
    );
    expect(health.status).toBe('degraded');
    expect(health.checks['fides-lots-routing']).toEqual({ status: 'degraded', detail: expect.stringContaining('01/931') });
  });
});
