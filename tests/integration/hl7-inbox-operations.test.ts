import { Client } from 'pg';
import type { Role } from '../../src/access/roles';
import { makeTestNir } from '../../src/simulators/cdri/simulated-patients';
import { type GatewayFixture, type GatewayProcess, headersAs, startGatewayFixture } from '../support/gateway-process';
import { buildA01, SAMPLE_FAMILY, SAMPLE_GIVEN } from '../support/hl7-samples';
import { ackSummary, sendOnce } from '../support/mllp-raw';
import { waitFor } from '../support/wait-for';

const NOT_OPERATORS: Role[] = ['kiosk', 'gap', 'batch', 'billing', 'metrics'];

/**
 * The operator's side of the HL7 edge's safety tables, through a running gateway: MSH-10 conflicts listed without
 * content and acknowledged (so /health stops being degraded), parked poison messages listed, resolved, and replayed
 * through the MLLP handler once their cause is gone (AA, stored once); every action audited; other roles refused.
 */
describe('HL7 inbox operations: conflicts and parked messages for operators', () => {
  let fx: GatewayFixture;
  let gateway: GatewayProcess;
  let db: Client;

  beforeAll(async () => {
    fx = await startGatewayFixture({
      queue: 'redis',
      env: { TEST_FAULT_INJECTION: 'throw-on-poison-control-id', HL7_POISON_MAX_ATTEMPTS: '2' },
    });
    gateway = fx.gateway;
    db = new Client({ connectionString: fx.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await fx?.close();
  });

  const call = (method: string, path: string, role: Role) => fetch(`${gateway.baseUrl}${path}`, { method, headers: headersAs(role) });
  const json = async (method: string, path: string, role: Role = 'operator') => {
    const res = await call(method, path, role);
    return { status: res.status, body: (await res.json()) as any };
  };
  const send = async (payload: Buffer) => {
    const out = await sendOnce(gateway.mllpPort, payload);
    return out.closed ? 'closed' : ackSummary(out.ack).code;
  };
  const hl7InboxHealth = async () => {
    const body = (await (await call('GET', '/health', 'operator')).json()) as {
      checks: Record<string, { status: string; detail?: string }>;
    };
    return body.checks['hl7-inbox'];
  };
  const audited = async (action: string) => (await json('GET', `/audit?action=${action}`)).body.events as any[];

  describe('MSH-10 conflicts', () => {
    const patientA = makeTestNir({ order: 210 });
    const patientB = makeTestNir({ order: 211 });
    let id: string;

    it('lists a conflict with its sender, control id and original, and none of its content', async () => {
      expect(await send(buildA01({ controlId: 'REUSE-OPS', nir: patientA }))).toBe('AA');
      expect(await send(buildA01({ controlId: 'REUSE-OPS', nir: patientB }))).toBe('AR');
      const { status, body } = await json('GET', '/hl7/conflicts?open=true');
      expect(status).toBe(200);
      expect(body.conflicts).toHaveLength(1);
      const [original] = (await db.query(`SELECT id FROM inbox_message WHERE control_id = 'REUSE-OPS'`)).rows;
      const [conflict] = body.conflicts;
      expect(conflict).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        sendingApplication: 'GAP-TEST',
        sendingFacility: expect.stringContaining('990000010'),
        controlId: 'REUSE-OPS',
        originalId: original.id,
        correlationId: expect.any(String),
        receivedAt: expect.any(String),
        acknowledgedAt: null,
      });
      const text = JSON.stringify(body);
      for (const patientData of [patientA, patientB, SAMPLE_FAMILY, SAMPLE_GIVEN, 'PID|', 'MSH|']) expect(text).not.toContain(patientData);
      id = conflict.id;
    });

    it('refuses kiosk, GAP, scheduler, billing and scraper clients (403), and bad paging (400)', async () => {
      for (const role of NOT_OPERATORS) {
        const list = await call('GET', '/hl7/conflicts', role);
        const ack = await call('POST', `/hl7/conflicts/${id}/acknowledge`, role);
        expect([role, list.status, ack.status]).toEqual([role, 403, 403]);
      }
      expect((await json('GET', '/hl7/conflicts', 'admin')).status).toBe(200);
      expect((await json('GET', '/hl7/conflicts?limit=100000')).status).toBe(400);
      expect((await json('GET', '/hl7/conflicts?before=1;DROP')).status).toBe(400);
      expect((await json('GET', '/hl7/conflicts?open=yes')).status).toBe(400);
      expect((await db.query(`SELECT acknowledged_at FROM hl7_id_conflict`)).rows).toEqual([{ acknowledged_at: null }]);
    });

    it('acknowledges once (idempotent, audited once): /health stops being degraded and ?open=true no longer lists it', async () => {
      expect(await hl7InboxHealth()).toEqual({ status: 'degraded', detail: expect.stringMatching(/1 MSH-10 conflict/) });
      const first = await json('POST', `/hl7/conflicts/${id}/acknowledge`);
      expect(first).toEqual({ status: 200, body: { id, acknowledgedAt: expect.any(String) } });
      const again = await json('POST', `/hl7/conflicts/${id}/acknowledge`, 'admin');
      expect(again.body.acknowledgedAt).toBe(first.body.acknowledgedAt);
      // The probe caches its counts for a second.
      await waitFor('hl7-inbox up', async () => (await hl7InboxHealth()).status === 'up');
      expect((await json('GET', '/hl7/conflicts?open=true')).body.conflicts).toEqual([]);
      expect((await json('GET', '/hl7/conflicts')).body.conflicts[0].acknowledgedAt).toBe(first.body.acknowledgedAt);
      const events = await audited('hl7.conflict-acknowledged');
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ clientId: 'test-operator', target: `hl7_id_conflict/${id}` });
      expect((await json('POST', '/hl7/conflicts/00000000-0000-4000-8000-000000000000/acknowledge')).status).toBe(404);
      expect((await json('POST', '/hl7/conflicts/not-a-uuid/acknowledge')).status).toBe(404);
    });

    it('pages newest first with next/nextUrl', async () => {
      expect(await send(buildA01({ controlId: 'REUSE-OPS', nir: makeTestNir({ order: 212 }) }))).toBe('AR');
      const first = await json('GET', '/hl7/conflicts?limit=1');
      expect(first.body.conflicts).toHaveLength(1);
      expect(first.body.conflicts[0].acknowledgedAt).toBeNull();
      const second = await json('GET', first.body.nextUrl);
      expect(second.body.conflicts.map((c: any) => c.id)).toEqual([id]);
      expect(second.body.next).toBeUndefined();
      expect((await json('POST', `/hl7/conflicts/${first.body.conflicts[0].id}/acknowledge`)).status).toBe(200);
    });
  });

  describe('parked messages', () => {
    const replayed = makeTestNir({ order: 220 });
    const dropped = makeTestNir({ order: 221 });
    const hashOf = async (controlId: string) =>
      (await db.query(`SELECT content_hash FROM hl7_parked_message WHERE control_id = $1`, [controlId])).rows[0].content_hash as string;

    it('lists parked messages with hash, sender, attempts and error class only', async () => {
      for (const [controlId, nir] of [
        ['POISON-OPS-1', replayed],
        ['POISON-OPS-2', dropped],
      ]) {
        expect(await send(buildA01({ controlId, nir }))).toBe('closed');
        expect(await send(buildA01({ controlId, nir }))).toBe('AR');
      }
      const { status, body } = await json('GET', '/hl7/parked?open=true');
      expect(status).toBe(200);
      expect(body.parked.map((p: any) => p.controlId).sort()).toEqual(['POISON-OPS-1', 'POISON-OPS-2']);
      expect(body.parked.find((p: any) => p.controlId === 'POISON-OPS-1')).toEqual({
        contentHash: await hashOf('POISON-OPS-1'),
        sendingApplication: 'GAP-TEST',
        sendingFacility: expect.stringContaining('990000010'),
        controlId: 'POISON-OPS-1',
        attempts: 2,
        lastError: 'TypeError',
        firstSeenAt: expect.any(String),
        lastSeenAt: expect.any(String),
        parkedAt: expect.any(String),
        resolvedAt: null,
      });
      const text = JSON.stringify(body);
      for (const patientData of [replayed, dropped, SAMPLE_FAMILY, SAMPLE_GIVEN, 'PID|', 'MSH|']) expect(text).not.toContain(patientData);
      for (const role of NOT_OPERATORS) {
        const hash = await hashOf('POISON-OPS-1');
        const statuses = [
          (await call('GET', '/hl7/parked', role)).status,
          (await call('POST', `/hl7/parked/${hash}/resolve`, role)).status,
          (await call('POST', `/hl7/parked/${hash}/replay`, role)).status,
        ];
        expect([role, statuses]).toEqual([role, [403, 403, 403]]);
      }
    });

    it('resolves without replaying (idempotent, audited once)', async () => {
      const hash = await hashOf('POISON-OPS-2');
      const first = await json('POST', `/hl7/parked/${hash}/resolve`);
      expect(first).toEqual({ status: 200, body: { contentHash: hash, resolvedAt: expect.any(String) } });
      expect((await json('POST', `/hl7/parked/${hash}/resolve`)).body.resolvedAt).toBe(first.body.resolvedAt);
      expect(await audited('hl7.parked-resolved')).toEqual([expect.objectContaining({ target: `hl7_parked_message/${hash}` })]);
      expect((await db.query(`SELECT count(*)::int AS n FROM inbox_message WHERE control_id = 'POISON-OPS-2'`)).rows[0].n).toBe(0);
      expect((await json('POST', `/hl7/parked/${'0'.repeat(64)}/resolve`)).status).toBe(404);
      expect((await json('POST', '/hl7/parked/nothex/replay')).status).toBe(404);
    });

    it('replays while the cause is still there: AR again, still parked and unresolved, /health still degraded', async () => {
      const hash = await hashOf('POISON-OPS-1');
      const { status, body } = await json('POST', `/hl7/parked/${hash}/replay`);
      expect(status).toBe(200);
      expect(body).toEqual({ contentHash: hash, ackCode: 'AR', errors: ['MSH^1^10 E 207'] });
      // One of the two parked messages is resolved, this one not (the probe caches its counts for a second).
      await waitFor('hl7-inbox degraded by 1 parked message', async () => /^1 parked message/.test((await hl7InboxHealth()).detail ?? ''));
      expect((await json('GET', '/hl7/parked?open=true')).body.parked).toEqual([
        expect.objectContaining({ contentHash: hash, attempts: 3 }),
      ]);
    });

    it('replays once the cause is gone (restarted without the fault): AA, stored once, resolved, audited as replay', async () => {
      await gateway.stop();
      gateway = await fx.restart({ TEST_FAULT_INJECTION: '' });
      const hash = await hashOf('POISON-OPS-1');
      const { status, body } = await json('POST', `/hl7/parked/${hash}/replay`);
      expect(status).toBe(200);
      expect(body).toEqual({ contentHash: hash, ackCode: 'AA', errors: [], resolvedAt: expect.any(String) });
      // A second replay is a true repeat of the stored message: its original ACK, nothing stored again.
      expect((await json('POST', `/hl7/parked/${hash}/replay`)).body.ackCode).toBe('AA');
      const stored = await db.query(`SELECT status, ack_code FROM inbox_message WHERE control_id = 'POISON-OPS-1'`);
      expect(stored.rows).toEqual([{ status: 'accepted', ack_code: 'AA' }]);
      // The sender's own resend now gets that same answer, and nothing is stored twice either.
      expect(await send(buildA01({ controlId: 'POISON-OPS-1', nir: replayed }))).toBe('AA');
      expect((await db.query(`SELECT count(*)::int AS n FROM inbox_message WHERE control_id = 'POISON-OPS-1'`)).rows[0].n).toBe(1);
      // …and followed up exactly once: one rights check of that patient with the insurer, none of the resolved one.
      await waitFor('the replayed admission dispatched and checked', async () => {
        const row = await db.query(`SELECT dispatched_at FROM inbox_message WHERE control_id = 'POISON-OPS-1'`);
        return row.rows[0].dispatched_at !== null && fx.simulator.checksFor(replayed) > 0;
      });
      expect([fx.simulator.checksFor(replayed), fx.simulator.checksFor(dropped)]).toEqual([1, 0]);
      expect((await json('GET', '/hl7/parked?open=true')).body.parked).toEqual([]);
      await waitFor('hl7-inbox up', async () => (await hl7InboxHealth()).status === 'up');
      const replays = (await audited('replay')).filter((e) => e.target === `hl7_parked_message/${hash}`);
      expect(replays.map((e) => `${e.clientId} ${e.detail.ack} ${e.detail.resolved}`)).toEqual([
        'test-operator AA true',
        'test-operator AA true',
        'test-operator AR false',
      ]);
      const all = await db.query(`SELECT * FROM audit_event`);
      expect(JSON.stringify(all.rows)).not.toMatch(/\d{13}/);
    });
  });
});
