import { Client } from 'pg';
import { MllpClient } from '../../src/hl7/mllp/mllp-client';
import { makeTestNir } from '../../src/simulators/cdri/simulated-patients';
import { readAck } from '../support/ack';
import { buildA01 } from '../support/hl7-samples';
import { type GatewayFixture, startGatewayFixture } from '../support/gateway-process';
import { waitFor } from '../support/wait-for';

/**
 * kill -9 of the gateway process at the two dangerous points of an HL7 exchange. The sender, having no ACK,
 * resends the same message to the restarted gateway: the message must end up stored exactly once, and the
 * CDRi check it triggers must reach the insurer exactly once.
 */
describe.each(['crash-after-store', 'crash-before-store'] as const)('kill -9 of the gateway (%s)', (point) => {
  let fx: GatewayFixture;
  let db: Client;

  beforeAll(async () => {
    fx = await startGatewayFixture({ queue: 'redis', env: { TEST_FAULT_INJECTION: point } });
    db = new Client({ connectionString: fx.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await fx?.close();
  });

  it('loses nothing and stores once when the sender retries after the crash', async () => {
    const nir = makeTestNir({ order: 201, commune: point === 'crash-after-store' ? 111 : 222 });
    const message = buildA01({ controlId: `CRASH-${point}`.slice(0, 20), nir });
    const controlId = `CRASH-${point}`.slice(0, 20);

    const sender = new MllpClient({ host: '127.0.0.1', port: fx.gateway.mllpPort, timeoutMs: 5000 });
    await sender.connect();
    await expect(sender.send(message)).rejects.toThrow();
    await fx.gateway.waitExit();
    await sender.close().catch(() => undefined);

    const before = await db.query('SELECT count(*) FROM inbox_message WHERE control_id = $1', [controlId]);
    expect(Number(before.rows[0].count)).toBe(point === 'crash-after-store' ? 1 : 0);

    const restarted = await fx.restart({ TEST_FAULT_INJECTION: '' });
    const retry = new MllpClient({ host: '127.0.0.1', port: restarted.mllpPort, timeoutMs: 5000 });
    await retry.connect();
    const ack = readAck(await retry.send(message));
    await retry.close();
    expect(ack.code).toBe('AA');
    expect(ack.ackControlId).toBe(controlId);

    const after = await db.query('SELECT count(*) FROM inbox_message WHERE control_id = $1', [controlId]);
    expect(Number(after.rows[0].count)).toBe(1);
    // The check is dispatched either right away or by the outbox sweep of the restarted gateway.
    await waitFor('the insurer to be asked', async () => fx.simulator.callsFor(nir) >= 1);
    await new Promise((r) => setTimeout(r, 1000));
    expect(fx.simulator.callsFor(nir)).toBe(1);
  });
});
