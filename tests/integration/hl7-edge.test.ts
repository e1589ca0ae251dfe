import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { Client } from 'pg';
import { makeTestNir } from '../../src/simulators/cdri/simulated-patients';
import { type GatewayFixture, headersAs, startGatewayFixture } from '../support/gateway-process';
import { buildA01, buildA05, buildPamText, encodeSample, SAMPLE_NIR } from '../support/hl7-samples';
import { ackSummary, sendOnce } from '../support/mllp-raw';

const CORPUS_DIR = join(__dirname, '..', 'fixtures', 'hl7');
const MAX_CONNECTIONS = 6;

/**
 * The HL7 edge against a real gateway (issue 8): who may send, how strictly, reused MSH-10, sender text in labels and
 * logs, the connection limit, poison messages. Storage outages: hl7-storage-outage.test.ts; volume: hl7-fuzz.test.ts.
 */
describe('HL7 edge: senders, strictness, reused ids, labels, limits, poison messages', () => {
  let fx: GatewayFixture;
  let db: Client;
  let port: number;

  beforeAll(async () => {
    fx = await startGatewayFixture({
      queue: 'redis',
      env: {
        HL7_SENDERS: [
          'GAP-TEST^990000010@127.0.0.1',
          'LENIENT-GAP^990000010@127.0.0.1;mode=lenient',
          'STRICT-GAP^990000010@127.0.0.1;mode=strict',
          'REMOTE-GAP^990000010@10.9.0.0/16',
          // The public corpus (tests/fixtures/hl7/README.md), as sent by their GAPs.
          'EASILY^*@127.0.0.1',
          'HopitalWEB^*@::ffff:127.0.0.1',
          'ADT1^MCM@127.0.0.0/8',
        ].join(','),
        MLLP_MAX_CONNECTIONS: String(MAX_CONNECTIONS),
        TEST_FAULT_INJECTION: 'throw-on-poison-control-id',
        HL7_POISON_MAX_ATTEMPTS: '3',
      },
    });
    port = fx.gateway.mllpPort;
    db = new Client({ connectionString: fx.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await fx?.close();
  });

  const send = async (payload: Buffer) => {
    const out = await sendOnce(port, payload);
    if (out.closed) throw new Error('connection closed without an answer');
    return ackSummary(out.ack);
  };
  const rows = async (sql: string, params: unknown[] = []) => (await db.query(sql, params)).rows;
  const metrics = async () => (await fetch(`${fx.gateway.baseUrl}/metrics`, { headers: headersAs('metrics') })).text();
  const hl7InboxHealth = async () => {
    const body = (await (await fetch(`${fx.gateway.baseUrl}/health`, { headers: headersAs('operator') })).json()) as {
      checks: Record<string, { status: string; detail?: string }>;
    };
    return body.checks['hl7-inbox'];
  };
  /** The probe's answer is cached for a second: read it again until it says `status` (or 5 s have passed). */
  const hl7InboxHealthOnce = async (status: string) => {
    let health = await hl7InboxHealth();
    for (let i = 0; i < 25 && health.status !== status; i++) {
      await new Promise((r) => setTimeout(r, 200));
      health = await hl7InboxHealth();
    }
    return health;
  };
  const plain25 = (bytes: Buffer) =>
    Buffer.from(
      bytes
        .toString('utf8')
        .replace('|2.5^FRA^2.11|', '|2.5|')
        .split('\r')
        .filter((s) => !s.startsWith('ZBE'))
        .join('\r'),
      'utf8',
    );

  describe('public PAM FR / HL7 v2 corpus (tests/fixtures/hl7): each answer', () => {
    // Read from the README's table: file → ACK code and ERR entries (ERR-2 location, ERR-4 severity, ERR-3 code).
    const expected: Record<string, { code: string; errors: string[] }> = {
      // Plain 2.5 A01 without ZBE: PAM FR-only rules are warnings; but its INS-NIR has a wrong key and an A01 asks the
      // insurer with it, so AE (what CDRi cannot do without decides, whatever the strictness).
      'gazelle-iti31-a01-plain-2.5.hl7': { code: 'AE', errors: ['MSH^1^12^1^2 W 203', 'ZBE^1 W 100', 'PID^1^3 E 102'] },
      // Declares PAM FR; an A28 asks no insurer, so the wrong NIR key is only reported.
      'gazelle-iti30-a28-2.5-fra.hl7': { code: 'AA', errors: ['PID^1^3 W 102'] },
      'gazelle-iti30-a28-plain-2.5-ascii.hl7': { code: 'AA', errors: ['MSH^1^12^1^2 W 203', 'PID^1^3 W 102'] },
      // Full PAM FR A01 with ZBE; its PID-3 "NH" is an INS-C (not a NIR): no rights check, nothing to refuse.
      'gazelle-pam-fr-a01-zbe-2.5-fra.hl7': { code: 'AA', errors: [] },
      // Plain 2.5 A04 with ZBE and a visit number: accepted, only the missing FRA is noted.
      'gazelle-pam-fr-a04-2.5-plain-no-fra.hl7': { code: 'AA', errors: ['MSH^1^12^1^2 W 203'] },
      // The case: MSH-12 2.5 without ^FRA, no ZBE, ISO-8859-1 → accepted with warnings (was AE).
      'esir-sigems-style-a01-2.5-8859-1.hl7': { code: 'AA', errors: ['MSH^1^12^1^2 W 203', 'ZBE^1 W 100'] },
      // The HL7 v2 standard's international A01 example (2.3.1): read as plain HL7 v2, accepted with warnings.
      'hl7-v2-standard-a01-2.3.1.hl7': { code: 'AA', errors: ['MSH^1^12^1^2 W 203', 'ZBE^1 W 100'] },
    };

    it('has an expected answer for every file of the corpus', () => {
      expect(
        readdirSync(CORPUS_DIR)
          .filter((f) => f.endsWith('.hl7'))
          .sort(),
      ).toEqual(Object.keys(expected).sort());
    });

    it.each(Object.entries(expected))('%s → %j', async (file, want) => {
      const got = await send(readFileSync(join(CORPUS_DIR, file)));
      expect({ code: got.code, errors: got.errors }).toEqual(want);
    });
  });

  describe('strictness follows MSH-12, or the sender configuration', () => {
    it('holds a 2.5^FRA^2.x sender to PAM FR: an A01 without ZBE is AE', async () => {
      const bytes = Buffer.from(
        buildA01({ controlId: 'FRA-NOZBE', nir: makeTestNir({ order: 120 }) })
          .toString('utf8')
          .split('\r')
          .filter((s) => !s.startsWith('ZBE'))
          .join('\r'),
      );
      expect(await send(bytes)).toMatchObject({ code: 'AE', errors: ['ZBE^1 E 100'] });
    });

    it('accepts the same A01 declared plain 2.5, with ZBE as a warning (W) naming PAM FR', async () => {
      const got = await send(plain25(buildA01({ controlId: 'PLAIN-NOZBE', nir: makeTestNir({ order: 121 }) })));
      expect(got.code).toBe('AA');
      expect(got.errors).toEqual(['MSH^1^12^1^2 W 203', 'ZBE^1 W 100']);
      expect(got.texts[1]).toMatch(/ZBE segment .* required for event A01 \(IHE PAM FR\)/);
      expect(await rows(`SELECT status FROM inbox_message WHERE control_id = 'PLAIN-NOZBE'`)).toEqual([{ status: 'accepted' }]);
    });

    it('still refuses (AE) what our flows cannot do without: a wrong NIR key on A01, no visit number on A05', async () => {
      const badNir = SAMPLE_NIR.slice(0, 13) + '00';
      const a01 = await send(plain25(buildA01({ controlId: 'PLAIN-BADNIR', nir: badNir })));
      expect(a01).toMatchObject({ code: 'AE', errors: ['MSH^1^12^1^2 W 203', 'ZBE^1 W 100', 'PID^1^3 E 102'] });
      const a05 = await send(plain25(buildA05({ controlId: 'PLAIN-NOVISIT', nir: makeTestNir({ order: 122 }), visitNumber: '' })));
      expect(a05.code).toBe('AE');
      expect(a05.errors).toContain('PV1^1^19 E 101');
    });

    it('applies the per-sender mode: strict holds plain 2.5 to PAM FR, lenient relaxes a FRA sender', async () => {
      const strict = plain25(buildA01({ controlId: 'STRICT-1', nir: makeTestNir({ order: 123 }), sendingApp: 'STRICT-GAP' }));
      expect(await send(strict)).toMatchObject({ code: 'AE', errors: ['MSH^1^12^1^2 W 203', 'ZBE^1 E 100'] });
      const fra = buildA01({ controlId: 'LENIENT-1', nir: makeTestNir({ order: 124 }), sendingApp: 'LENIENT-GAP' });
      const noZbe = Buffer.from(
        fra
          .toString('utf8')
          .split('\r')
          .filter((s) => !s.startsWith('ZBE'))
          .join('\r'),
      );
      expect(await send(noZbe)).toMatchObject({ code: 'AA', errors: ['ZBE^1 W 100'] });
    });
  });

  describe('known senders only', () => {
    it('refuses an unknown MSH-3/MSH-4 with AR naming MSH-3, stores nothing, counts it', async () => {
      const got = await send(buildA01({ controlId: 'INTRUDER-1', sendingApp: 'INTRUS' }));
      expect(got).toMatchObject({ code: 'AR', errors: ['MSH^1^3 E 207'] });
      expect(got.texts[0]).toMatch(/MSH-3\/MSH-4 .* not a known sender/);
      expect(await rows(`SELECT 1 FROM inbox_message WHERE control_id = 'INTRUDER-1'`)).toEqual([]);
      expect(await metrics()).toMatch(/passerelle_hl7_senders_refused_total\{reason="unknown"\} 1/);
    });

    it('refuses a known sender connecting from an address its entry does not allow', async () => {
      const got = await send(buildA01({ controlId: 'REMOTE-1', sendingApp: 'REMOTE-GAP' }));
      expect(got).toMatchObject({ code: 'AR', errors: ['MSH^1^4 E 207'] });
      expect(got.texts[0]).toMatch(/not allowed from this connection/);
      expect(await metrics()).toMatch(/passerelle_hl7_senders_refused_total\{reason="source"\} 1/);
    });
  });

  describe('reused MSH-10', () => {
    const patientA = makeTestNir({ order: 130 });
    const patientB = makeTestNir({ order: 131 });

    it('answers a true resend (MSH-7 stamped again) with the original ACK, byte for byte', async () => {
      const original = buildA01({ controlId: 'REUSE-1', nir: patientA });
      // An interface engine's retransmission: same message, MSH-7 stamped again (EVN-2, the event's own time, unchanged).
      const resend = Buffer.from(original.toString('utf8').replace('|20250115083500||ADT^A01', '|20250115090000||ADT^A01'));
      expect(resend.equals(original)).toBe(false);
      const first = await sendOnce(port, original);
      const again = await sendOnce(port, resend);
      expect(first.closed || again.closed).toBe(false);
      expect(again.ack?.equals(first.ack as Buffer)).toBe(true);
      expect(ackSummary(first.ack as Buffer).code).toBe('AA');
    });

    it('refuses the same key with another patient: AR naming MSH-10, kept for audit, counted, raised in /health', async () => {
      expect((await hl7InboxHealth()).status).toBe('up');
      const got = await send(buildA01({ controlId: 'REUSE-1', nir: patientB }));
      expect(got).toMatchObject({ code: 'AR', errors: ['MSH^1^10 E 205'] });
      expect(got.texts[0]).toMatch(/MSH-10 .* already used by this sender for a different message/);
      expect(await rows(`SELECT status FROM inbox_message WHERE control_id = 'REUSE-1'`)).toEqual([{ status: 'accepted' }]);
      const [conflict] = await rows(`SELECT c.raw, c.acknowledged_at, m.control_id FROM hl7_id_conflict c
        JOIN inbox_message m ON m.id = c.original_id WHERE c.control_id = 'REUSE-1'`);
      expect(conflict.control_id).toBe('REUSE-1');
      expect(conflict.raw.toString('utf8')).toContain(patientB);
      expect(await metrics()).toMatch(/passerelle_hl7_id_conflicts_total 1/);
      const health = await hl7InboxHealthOnce('degraded');
      expect(health).toEqual({ status: 'degraded', detail: expect.stringMatching(/1 MSH-10 conflict/) });
      expect(health.detail).not.toContain(patientB);
      const [{ id }] = await rows(`SELECT id FROM hl7_id_conflict`);
      const ack = await fetch(`${fx.gateway.baseUrl}/hl7/conflicts/${id}/acknowledge`, { method: 'POST', headers: headersAs('operator') });
      expect(ack.status).toBe(200);
      expect((await hl7InboxHealthOnce('up')).status).toBe('up');
    });
  });

  it('keeps sender text out of metric labels and logs (2,000-character event, NIR glued to letters)', async () => {
    const long = 'X'.repeat(2000);
    const glued = `NIR${SAMPLE_NIR}`;
    for (const [id, event] of [
      ['LABEL-1', long],
      ['LABEL-2', glued],
    ]) {
      const text = buildPamText('A01', { controlId: id, nir: makeTestNir({ order: 140 }) }).replace(
        'ADT^A01^ADT_A01',
        `ADT^${event}^ADT_A01`,
      );
      expect((await send(encodeSample(text))).code).toBe('AR');
    }
    const m = await metrics();
    expect(m).not.toContain('XXXXXXXXXX');
    expect(m).not.toContain(SAMPLE_NIR);
    expect(m).toMatch(/passerelle_hl7_messages_total\{event="other",ack="AR"\} 2/);
    const logs = fx.gateway.logs.join('');
    expect(logs).not.toContain('XXXXXXXXXX');
    expect(logs).not.toContain(SAMPLE_NIR);
  });

  it(`closes connections beyond MLLP_MAX_CONNECTIONS (${MAX_CONNECTIONS}) at once, and counts them`, async () => {
    const open: net.Socket[] = [];
    for (let i = 0; i < MAX_CONNECTIONS; i++) {
      const s = net.connect({ host: '127.0.0.1', port });
      await new Promise((resolve) => s.once('connect', resolve));
      open.push(s);
    }
    // The server counts a connection once it accepted it: one exchange on the last socket makes sure all are in.
    const extra = net.connect({ host: '127.0.0.1', port });
    const closed = await new Promise<boolean>((resolve) => {
      extra.once('close', () => resolve(true));
      extra.once('data', () => resolve(false));
      extra.on('error', () => undefined);
    });
    expect(closed).toBe(true);
    expect(await metrics()).toMatch(/passerelle_mllp_connections_refused_total 1/);
    for (const s of open) s.destroy();
    await new Promise((r) => setTimeout(r, 100));
    expect((await send(buildA01({ controlId: 'AFTER-LIMIT', nir: makeTestNir({ order: 150 }) }))).code).toBe('AA');
  });

  it('parks a message that fails on every attempt (poison): closed unanswered twice, then AR and kept for an operator', async () => {
    const poison = buildA01({ controlId: 'POISON-1', nir: makeTestNir({ order: 160 }) });
    expect(await sendOnce(port, poison)).toEqual({ closed: true });
    expect(await sendOnce(port, poison)).toEqual({ closed: true });
    const third = await send(poison);
    expect(third).toMatchObject({ code: 'AR', errors: ['MSH^1^10 E 207'] });
    expect(third.texts[0]).toMatch(/failed 3 times .* kept for an operator/);
    const [parked] = await rows(`SELECT attempts, parked_at IS NOT NULL AS parked, raw IS NOT NULL AS has_raw, last_error
      FROM hl7_parked_message WHERE control_id = 'POISON-1'`);
    expect(parked).toEqual({ attempts: 3, parked: true, has_raw: true, last_error: 'TypeError' });
    expect(await metrics()).toMatch(/passerelle_hl7_parked_total 1/);
    expect(await metrics()).toMatch(/passerelle_hl7_storage_failures_total\{answer="close"\} 2/);
    expect(await hl7InboxHealthOnce('degraded')).toEqual({ status: 'degraded', detail: expect.stringMatching(/1 parked message/) });
  });
});
