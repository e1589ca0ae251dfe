import net from 'node:net';
import { Client } from 'pg';
import { encodeFrame } from '../../src/hl7/mllp/mllp-framer';
import { MllpClient } from '../../src/hl7/mllp/mllp-client';
import { makeTestNir } from '../../src/simulators/cdri/simulated-patients';
import { readAck } from '../support/ack';
import { buildA01, buildA04, buildA05, buildA28, MALFORMED, SAMPLE_FAMILY } from '../support/hl7-samples';
import { type GatewayFixture, startGatewayFixture } from '../support/gateway-process';
import { waitFor } from '../support/wait-for';

/** Sends raw bytes in the given pieces (with a pause between them) and collects `frames` MLLP answers. */
function rawExchange(port: number, pieces: Buffer[], frames: number): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let buf = Buffer.alloc(0);
    const out: Buffer[] = [];
    socket.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      for (let end = buf.indexOf(0x1c); end >= 0; end = buf.indexOf(0x1c)) {
        out.push(buf.subarray(buf.indexOf(0x0b) + 1, end));
        buf = buf.subarray(end + 2);
      }
      if (out.length === frames) {
        socket.end();
        resolve(out);
      }
    });
    socket.on('error', reject);
    socket.on('connect', async () => {
      for (const p of pieces) {
        socket.write(p);
        await new Promise((r) => setTimeout(r, 5));
      }
    });
  });
}

describe.each(['redis', 'postgres'] as const)('HL7 over MLLP into a real gateway (queue on %s)', (queue) => {
  let fx: GatewayFixture;
  let db: Client;
  let client: MllpClient;

  beforeAll(async () => {
    fx = await startGatewayFixture({ queue });
    db = new Client({ connectionString: fx.databaseUrl });
    await db.connect();
    client = new MllpClient({ host: '127.0.0.1', port: fx.gateway.mllpPort, timeoutMs: 10000 });
    await client.connect();
  });

  afterAll(async () => {
    await client?.close();
    await db?.end();
    await fx?.close();
  });

  const count = async (controlId: string) =>
    Number((await db.query('SELECT count(*) FROM inbox_message WHERE control_id = $1', [controlId])).rows[0].count);

  it('stores an A01 before answering AA, and the AA names the original control id with its own MSH-10', async () => {
    const nir = makeTestNir({ order: 101 });
    const ack = readAck(await client.send(buildA01({ controlId: `A01-${queue}-1`, nir })));
    expect(ack.code).toBe('AA');
    expect(ack.ackControlId).toBe(`A01-${queue}-1`);
    expect(ack.controlId).not.toBe(`A01-${queue}-1`);
    // The ACK is only sent after the commit, so the row is visible from another connection right now.
    expect(await count(`A01-${queue}-1`)).toBe(1);
  });

  it('runs the CDRi check the A01 triggered, through the queue, and stores the insurer answer', async () => {
    const nir = makeTestNir({ order: 102, commune: 456 });
    expect(readAck(await client.send(buildA01({ controlId: `A01-${queue}-2`, nir }))).code).toBe('AA');
    const row = await waitFor('the rights check to be answered', async () => {
      const r = await db.query(
        `SELECT rc.state, rc.rights_status, rc.source FROM rights_check rc
           JOIN inbox_message im ON rc.idempotency_key = 'hl7:' || im.id::text WHERE im.control_id = $1`,
        [`A01-${queue}-2`],
      );
      return r.rows[0]?.state === 'answered' ? r.rows[0] : undefined;
    });
    expect(row).toEqual({ state: 'answered', rights_status: 'OPEN', source: 'hl7' });
    expect(fx.simulator.callsFor(nir)).toBe(1);
  });

  it('answers a repeated MSH-10 with the original ACK, without storing or checking twice', async () => {
    const nir = makeTestNir({ order: 103 });
    const msg = buildA04({ controlId: `A04-${queue}-dup`, nir });
    const first = await client.send(msg);
    const second = await client.send(msg);
    expect(second.equals(first)).toBe(true);
    expect(await count(`A04-${queue}-dup`)).toBe(1);
    await waitFor('the check', async () => fx.simulator.callsFor(nir) === 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(fx.simulator.callsFor(nir)).toBe(1);
  });

  it('stores identity events (A28) without asking the insurer', async () => {
    const nir = makeTestNir({ order: 104 });
    expect(readAck(await client.send(buildA28({ controlId: `A28-${queue}-1`, nir }))).code).toBe('AA');
    expect(await count(`A28-${queue}-1`)).toBe(1);
    const r = await db.query('SELECT dispatched_at FROM inbox_message WHERE control_id = $1', [`A28-${queue}-1`]);
    expect(r.rows[0].dispatched_at).not.toBeNull();
    expect(fx.simulator.callsFor(nir)).toBe(0);
  });
});

describe('HL7 edge cases against a real gateway', () => {
  let fx: GatewayFixture;
  let db: Client;

  beforeAll(async () => {
    fx = await startGatewayFixture({ queue: 'redis' });
    db = new Client({ connectionString: fx.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await fx?.close();
  });

  it('reassembles a frame split byte by byte, and answers two frames sent in one write', async () => {
    const a = encodeFrame(buildA28({ controlId: 'SPLIT-1' }));
    const split = [...a].map((b) => Buffer.from([b]));
    const [ack1] = await rawExchange(fx.gateway.mllpPort, split.slice(0, 40).concat([Buffer.concat(split.slice(40))]), 1);
    expect(readAck(ack1).ackControlId).toBe('SPLIT-1');
    const merged = Buffer.concat([encodeFrame(buildA28({ controlId: 'MERGED-1' })), encodeFrame(buildA28({ controlId: 'MERGED-2' }))]);
    const acks = await rawExchange(fx.gateway.mllpPort, [merged], 2);
    expect(acks.map((x) => readAck(x).ackControlId)).toEqual(['MERGED-1', 'MERGED-2']);
  });

  it('serves two simultaneous senders, each getting its own ACKs in order', async () => {
    const senders = [1, 2].map(() => new MllpClient({ host: '127.0.0.1', port: fx.gateway.mllpPort, timeoutMs: 10000 }));
    await Promise.all(senders.map((s) => s.connect()));
    const results = await Promise.all(
      senders.map(async (s, n) => {
        const got: string[] = [];
        for (let i = 0; i < 25; i++) got.push(readAck(await s.send(buildA28({ controlId: `SIM-${n}-${i}` }))).ackControlId);
        return got;
      }),
    );
    await Promise.all(senders.map((s) => s.close()));
    results.forEach((got, n) => expect(got).toEqual(Array.from({ length: 25 }, (_, i) => `SIM-${n}-${i}`)));
    const r = await db.query(`SELECT count(*) FROM inbox_message WHERE control_id LIKE 'SIM-%'`);
    expect(Number(r.rows[0].count)).toBe(50);
  });

  it('decodes an ISO-8859-1 message (MSH-18 8859/1) and answers in the same charset', async () => {
    const msg = buildA28({ controlId: 'LATIN-1', charset: '8859/1', family: 'TESTNOM-ÉLÈVE' });
    expect(msg.includes(Buffer.from('É', 'latin1'))).toBe(true);
    const [ack] = await rawExchange(fx.gateway.mllpPort, [encodeFrame(msg)], 1);
    expect(readAck(ack).code).toBe('AA');
    expect(ack.toString('latin1')).toContain('8859/1');
    const r = await db.query(`SELECT charset, raw FROM inbox_message WHERE control_id = 'LATIN-1'`);
    expect(r.rows[0].charset).toBe('8859/1');
    expect(Buffer.compare(r.rows[0].raw, msg)).toBe(0);
  });

  it.each([
    ['missing MSH-10', 'AR', 'MSH^1^10', MALFORMED.missingControlId],
    ['unsupported event', 'AR', 'MSH^1^9', MALFORMED.unsupportedEvent],
    ['unsupported message type', 'AR', 'MSH^1^9', MALFORMED.unsupportedType],
    ['unsupported version', 'AR', 'MSH^1^12', MALFORMED.badVersion],
    ['missing PID-3', 'AE', 'PID^1^3', MALFORMED.missingPid3],
  ])('answers %s with %s and an ERR at %s', async (_name, code, location, build) => {
    const [ack] = await rawExchange(fx.gateway.mllpPort, [encodeFrame(build())], 1);
    const parsed = readAck(ack);
    expect(parsed.code).toBe(code);
    expect(parsed.errors.some((e) => e.startsWith(location))).toBe(true);
  });

  it.each([
    { name: 'garbage text', build: MALFORMED.garbage },
    { name: 'binary bytes', build: MALFORMED.nonHl7 },
    { name: 'a truncated MSH', build: MALFORMED.truncatedMsh },
  ])('answers $name with a NAK (AR) instead of silence', async ({ build }) => {
    const [ack] = await rawExchange(fx.gateway.mllpPort, [encodeFrame(build())], 1);
    expect(ack.toString('latin1')).toMatch(/MSA\|AR\|/);
    expect(ack.toString('latin1')).toContain('ERR|');
  });

  it('refuses an A05 whose NIR key is wrong with AE naming PID-3, and calls no insurer', async () => {
    const good = makeTestNir({ order: 105 });
    const bad = good.slice(0, 13) + String((Number(good.slice(13)) % 97) + 1).padStart(2, '0');
    const [ack] = await rawExchange(fx.gateway.mllpPort, [encodeFrame(buildA05({ controlId: 'BADNIR-1', nir: bad }))], 1);
    const parsed = readAck(ack);
    expect(parsed.code).toBe('AE');
    expect(parsed.errors.some((e) => e.startsWith('PID^1^3') && e.includes('NIR'))).toBe(true);
    expect(parsed.text).not.toContain(bad);
    expect(fx.simulator.callsFor(bad)).toBe(0);
  });

  it('never writes the NIR, names or birth dates of the messages it handled into its logs', () => {
    const all = fx.gateway.logs.join('');
    expect(all.length).toBeGreaterThan(1000);
    expect(all).not.toContain(SAMPLE_FAMILY);
    expect(all).not.toMatch(/\b[12]\d{4}(?:\d{2}|2A|2B)\d{8}\b/);
  });
});
