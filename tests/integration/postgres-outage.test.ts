import { Client } from 'pg';
import { MllpClient } from '../../src/hl7/mllp/mllp-client';
import { makeTestNir } from '../../src/simulators/cdri/simulated-patients';
import { readAck } from '../support/ack';
import { eligibilityRequest } from '../support/fhir-requests';
import { prepareFhirSchema } from '../support/fhir-schema';
import { type GatewayFixture, startGatewayFixture, TEST_KIOSK_KEY } from '../support/gateway-process';
import { buildA01 } from '../support/hl7-samples';
import { csvOf, getFhir, nirs, output, postCsv, tomorrow, waitForTask } from '../support/lot-helpers';
import { PgProxy } from '../support/pg-proxy';
import { waitFor } from '../support/wait-for';

/**
 * A PostgreSQL that stops answering, then one that restarts, between the gateway and its database — played by a TCP
 * proxy (tests/support/pg-proxy.ts), since the shared local PostgreSQL must not be stopped. Small time limits, so that
 * a silent database is noticed in about a second (DB_QUERY_TIMEOUT_MS) instead of never.
 */
const DB_LIMITS = {
  DB_CONNECT_TIMEOUT_MS: '1000',
  DB_STATEMENT_TIMEOUT_MS: '1000',
  DB_QUERY_TIMEOUT_MS: '1500',
  DB_LOCK_TIMEOUT_MS: '1000',
};

async function submit(baseUrl: string, nir: string): Promise<{ status: number; body: any; retryAfter: string | null }> {
  const res = await fetch(`${baseUrl}/fhir/CoverageEligibilityRequest/$submit`, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json', 'X-API-Key': TEST_KIOSK_KEY },
    body: JSON.stringify(eligibilityRequest(nir)),
  });
  return { status: res.status, body: await res.json(), retryAfter: res.headers.get('retry-after') };
}

/**
 * The sender of an HL7 stream as GAPs behave: a message is resent, on a new connection, until it gets AA; no ACK,
 * a closed connection or a non-AA answer to a storage failure all mean "try again" (another change makes a storage
 * failure close the connection instead of answering AR).
 */
async function sendUntilAccepted(port: number, message: Buffer): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const client = new MllpClient({ host: '127.0.0.1', port, timeoutMs: 10000 });
    try {
      await client.connect();
      const ack = readAck(await client.send(message));
      if (ack.code === 'AA') return attempt;
    } catch {
      /* no ACK: resend */
    } finally {
      await client.close().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

// With the queue on Redis, and on the same (stalled) PostgreSQL: BullMQ's pools carry the same limits.
describe.each(['redis', 'postgres'] as const)('a PostgreSQL that stops answering (queue on %s)', (queue) => {
  let proxy: PgProxy;
  let fx: GatewayFixture;
  let db: Client;

  beforeAll(async () => {
    proxy = await new PgProxy().start();
    fx = await startGatewayFixture({
      queue,
      env: { ...DB_LIMITS, LOG_LEVEL: 'info' },
      databaseUrlFor: (url) => proxy.urlFor(url),
    });
    db = new Client({ connectionString: fx.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    proxy?.resume();
    await db?.end();
    await fx?.close();
    await proxy?.stop();
  });

  it('answers errors while it is silent (FHIR 503, ready 503, live 200, HL7 not accepted), then recovers', async () => {
    const nir = makeTestNir({ order: 401, commune: 11 });
    expect((await submit(fx.gateway.baseUrl, nir)).status).toBe(200);

    proxy.stall();
    // Every answer below arrives while the database is still silent: nothing waits for it forever.
    const during = await submit(fx.gateway.baseUrl, makeTestNir({ order: 401, commune: 12 }));
    expect(during.status).toBe(503);
    expect(during.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'transient' }] });
    expect(during.retryAfter).toBe('5');
    expect((await fetch(`${fx.gateway.baseUrl}/health/live`)).status).toBe(200);
    expect((await fetch(`${fx.gateway.baseUrl}/health/ready`)).status).toBe(503);

    // The HL7 inbox's group commit gives up on the silent database: the sender gets no AA (no ACK or a refusal).
    const message = buildA01({ controlId: 'STALL-1', nir: makeTestNir({ order: 401, commune: 13 }) });
    const sender = new MllpClient({ host: '127.0.0.1', port: fx.gateway.mllpPort, timeoutMs: 20000 });
    await sender.connect();
    const ack = await sender.send(message).then(
      (a) => readAck(a).code,
      () => 'no ACK',
    );
    await sender.close().catch(() => undefined);
    expect(ack).not.toBe('AA');
    expect(proxy.connections).toBeGreaterThan(0); // still stalled, not refused: the limits did the work

    proxy.resume();
    await waitFor('ready again', async () => (await fetch(`${fx.gateway.baseUrl}/health/ready`)).status === 200, 30000, 200);
    expect((await submit(fx.gateway.baseUrl, makeTestNir({ order: 401, commune: 14 }))).status).toBe(200);
    await sendUntilAccepted(fx.gateway.mllpPort, message);
    const stored = await db.query(`SELECT count(*)::int AS n FROM inbox_message WHERE control_id = 'STALL-1' AND status = 'accepted'`);
    expect(stored.rows[0].n).toBe(1);

    // The logs describe the database failures by code, never with a statement's values.
    const logs = fx.gateway.logs.join('');
    expect(logs).toContain('"type":"DatabaseError"');
    expect(logs).not.toContain(nir);
  }, 120000);
});

describe.each(['redis', 'postgres'] as const)('a PostgreSQL restart mid-lot and mid-HL7-stream (queue on %s)', (queue) => {
  let proxy: PgProxy;
  let fx: GatewayFixture;
  let db: Client;

  beforeAll(async () => {
    prepareFhirSchema();
    proxy = await new PgProxy().start();
    fx = await startGatewayFixture({
      queue,
      simulatorLatencyMs: 40,
      env: {
        ...DB_LIMITS,
        CDRI_LOT_CRON: '',
        CDRI_LOT_CONCURRENCY: '5',
        CDRI_LOT_RATE_PER_SECOND: '5000',
        CDRI_LOT_BACKOFF_MS: '200',
        LOG_LEVEL: 'info',
      },
      databaseUrlFor: (url) => proxy.urlFor(url),
    });
    db = new Client({ connectionString: fx.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await fx?.close();
    await proxy?.stop();
  });

  it('the lot finishes with every patient checked once; every HL7 message is stored once and acknowledged AA', async () => {
    const list = nirs(600, 402);
    const { status, task } = await postCsv(fx.gateway.baseUrl, csvOf(list, tomorrow()));
    expect(status).toBe(202);
    await waitFor(
      'lot progress',
      async () => {
        const done = output(await getFhir(fx.gateway.baseUrl, `/fhir/Task/${task.id}`), 'done').valueInteger as number;
        return done >= 50;
      },
      60000,
      50,
    );

    // An HL7 stream runs across the restart (one message every 100 ms): each message resent until AA.
    const messages = Array.from({ length: 40 }, (_, i) =>
      buildA01({ controlId: `RESTART-${i}`, nir: makeTestNir({ order: 403, commune: 1 + i }) }),
    );
    const stream = (async () => {
      const attempts: number[] = [];
      for (const m of messages) {
        attempts.push(await sendUntilAccepted(fx.gateway.mllpPort, m));
        await new Promise((r) => setTimeout(r, 100));
      }
      return attempts;
    })();
    await new Promise((r) => setTimeout(r, 500));
    const before = await db.query(`SELECT count(*) FILTER (WHERE state = 'done')::int AS n FROM cdri_lot_item WHERE lot_id = $1`, [
      task.id,
    ]);
    await proxy.restart(3000);
    const attempts = await stream;

    expect(before.rows[0].n).toBeLessThan(600); // the restart did happen mid-lot…
    expect(attempts.some((a) => a > 1)).toBe(true); // …and mid-stream: some messages had to be resent
    const done = await waitForTask(fx.gateway.baseUrl, task.id, 'completed', 180000);
    expect(output(done, 'done').valueInteger).toBe(600);
    expect(output(done, 'failed').valueInteger).toBe(0);
    for (const nir of list) expect(fx.simulator.checksFor(nir)).toBe(1);
    const items = await db.query(
      `SELECT count(*)::int AS n, count(DISTINCT rights_check_id)::int AS checks FROM cdri_lot_item WHERE lot_id = $1`,
      [task.id],
    );
    expect(items.rows[0]).toEqual({ n: 600, checks: 600 });

    const stored = await db.query(
      `SELECT control_id, count(*)::int AS n FROM inbox_message WHERE control_id LIKE 'RESTART-%' AND status = 'accepted' GROUP BY control_id`,
    );
    expect(stored.rows).toHaveLength(40);
    expect(stored.rows.every((r) => r.n === 1)).toBe(true);
  }, 240000);
});
