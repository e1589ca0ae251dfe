import { Client } from 'pg';
import { makeTestNir } from '../../src/simulators/cdri/simulated-patients';
import { type GatewayFixture, headersAs, startGatewayFixture } from '../support/gateway-process';
import { buildA01 } from '../support/hl7-samples';
import { ackSummary, type FrameOutcome, sendOnce } from '../support/mllp-raw';
import { PgProxy } from '../support/pg-proxy';
import { waitFor } from '../support/wait-for';

/**
 * "Storage down ≠ AR" (issue 8): the gateway reaches the real PostgreSQL through a TCP proxy this test owns; cutting
 * the proxy is a database outage for the gateway alone (the shared server keeps running for the other tests).
 * A message that cannot be stored is never answered AR: the connection is closed unanswered (default) or, for a
 * sender configured `storage=ae`, answered AE; once the database is back the resend is stored once and answered AA.
 * A storage outage is not a poison message: nothing is parked.
 */
describe('HL7 during a real PostgreSQL outage', () => {
  let fx: GatewayFixture;
  let proxy: PgProxy;
  let db: Client;

  beforeAll(async () => {
    // The fixture creates its database on the shared server; the gateway is then pointed at it through the proxy.
    fx = await startGatewayFixture({ queue: 'redis' });
    await fx.gateway.stop();
    const direct = new URL(fx.databaseUrl);
    proxy = await new PgProxy({ host: direct.hostname, port: Number(direct.port || 5432) }).start();
    fx.gateway = await fx.restart({
      DATABASE_URL: proxy.urlFor(fx.databaseUrl),
      HL7_SENDERS: 'GAP-TEST^990000010@127.0.0.1,AE-GAP^990000010@127.0.0.1;storage=ae',
    });
    db = new Client({ connectionString: fx.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await fx?.close();
    await proxy?.stop();
  });

  const port = () => fx.gateway.mllpPort;
  const stored = async (controlId: string) =>
    (await db.query('SELECT status, ack_code FROM inbox_message WHERE control_id = $1', [controlId])).rows;

  it('stores and answers AA while the database is there', async () => {
    const out = await sendOnce(port(), buildA01({ controlId: 'BEFORE-OUTAGE', nir: makeTestNir({ order: 201 }) }));
    expect(out.closed).toBe(false);
    expect(ackSummary(out.ack as Buffer).code).toBe('AA');
  });

  it('closes the connection unanswered (never AR) while the database is down, then stores the resend once', async () => {
    const message = buildA01({ controlId: 'DURING-OUTAGE', nir: makeTestNir({ order: 202 }) });
    proxy.cut();
    const outcomes: FrameOutcome[] = [];
    for (let i = 0; i < 3; i++) outcomes.push(await sendOnce(port(), message));
    expect(outcomes).toEqual([{ closed: true }, { closed: true }, { closed: true }]);

    // The AE-configured sender gets an answer it will resend on: AE naming the temporary failure, never AR.
    const ae = await sendOnce(port(), buildA01({ controlId: 'DURING-OUTAGE-AE', nir: makeTestNir({ order: 203 }), sendingApp: 'AE-GAP' }));
    expect(ae.closed).toBe(false);
    expect(ackSummary(ae.ack as Buffer)).toMatchObject({ code: 'AE', errors: ['MSH^1 E 207'] });

    proxy.restore();
    // The sender's resend loop: until the pool has reconnected, a resend may still be closed unanswered — never AR.
    const answer = await waitFor('the resend to be stored', async () => {
      const out = await sendOnce(port(), message);
      if (out.closed) return undefined;
      return ackSummary(out.ack);
    });
    expect(answer.code).toBe('AA');
    expect(await stored('DURING-OUTAGE')).toEqual([{ status: 'accepted', ack_code: 'AA' }]);
    expect(await stored('DURING-OUTAGE-AE')).toEqual([]);
    // An outage is not a poison message: nothing counted, nothing parked.
    expect((await db.query('SELECT count(*)::int AS n FROM hl7_parked_message')).rows[0].n).toBe(0);
    const metrics = await (await fetch(`${fx.gateway.baseUrl}/metrics`, { headers: headersAs('metrics') })).text();
    expect(metrics).toMatch(/passerelle_hl7_storage_failures_total\{answer="close"\} [3-9]/);
    expect(metrics).toMatch(/passerelle_hl7_storage_failures_total\{answer="AE"\} 1/);
    expect(metrics).not.toMatch(/passerelle_hl7_messages_total\{event="A01",ack="AR"\}/);
  });
});
