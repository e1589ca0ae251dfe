import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DataSource } from 'typeorm';
import { MIGRATIONS } from '../../src/app/flows';
import { cdriRetention } from '../../src/cdri/cdri.retention';
import { LotChunkStore } from '../../src/cdri/lots/lot-chunk.store';
import { LotStore } from '../../src/cdri/lots/lot.store';
import { HL7_RETENTION } from '../../src/hl7/hl7.retention';
import { createLogger } from '../../src/observability/logger';
import { Metrics } from '../../src/observability/metrics';
import { createDataSource } from '../../src/persistence/data-source';
import { migrate } from '../../src/persistence/migrate';
import { Sql } from '../../src/persistence/sql';
import { RetentionRunner, type RetentionSettings } from '../../src/platform/retention-runner';
import { makeTestNir } from '../../src/simulators/cdri/simulated-patients';
import { TransmissionStore } from '../../src/transport/outbox/transmission.store';
import { transportRetention } from '../../src/transport/transport.retention';
import { createTestDatabase } from '../support/test-database';
import { type GatewayFixture, headersAs, startGatewayFixture, TEST_KIOSK_KEY } from '../support/gateway-process';
import { MllpClient } from '../../src/hl7/mllp/mllp-client';
import { FieldCipher } from '../../src/persistence/field-cipher';
import { readAck } from '../support/ack';
import { buildA05, SAMPLE_BIRTH_DATE, SAMPLE_FAMILY, SAMPLE_GIVEN, SAMPLE_SITE_FINESS } from '../support/hl7-samples';
import { tomorrow, waitForTask } from '../support/lot-helpers';
import { waitFor } from '../support/wait-for';
import { Client } from 'pg';

/**
 * Retention on the real schema (every flow's migrations) and the real rules the flows declare: rows past their age are
 * gone, younger rows and rows still in use stay, billing records stay for their legal period, spool files go with
 * their age, the metrics count what went; a patient's erasure removes what the law allows and lists what it keeps.
 */
const OLD = 400; // days: past every short period (30, 90), within the billing one (3650)
const ANCIENT = 4000; // past the billing period too
const NEW = 1;

describe('retention purge and erasure on the real schema', () => {
  let drop: () => Promise<void>;
  let ds: DataSource;
  let db: Sql;
  let spoolDir: string;
  let metrics: Metrics;
  const runner = (settings: Partial<RetentionSettings> = {}) =>
    new RetentionRunner(
      db,
      [...HL7_RETENTION, ...cdriRetention(new LotStore(db)), ...transportRetention(new TransmissionStore(db))],
      { days: new Map(), batchSize: 2, maxBatchesPerRun: 1000, intervalMs: 3600000, ...settings },
      metrics,
      createLogger('silent'),
    );
  const ago = (days: number) => new Date(Date.now() - days * 86400000);
  const count = async (sql: string) => Number((await db.one<{ n: string }>(`SELECT count(*) AS n FROM (${sql}) x`))!.n);

  beforeAll(async () => {
    const created = await createTestDatabase();
    drop = created.drop;
    ds = createDataSource(created.url, 3, MIGRATIONS);
    await ds.initialize();
    await migrate(ds);
    db = new Sql(ds);
    spoolDir = mkdtempSync(join(tmpdir(), 'retention-spool-'));
  });

  afterAll(async () => {
    await ds?.destroy();
    await drop?.();
    rmSync(spoolDir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    metrics = new Metrics();
    await db.exec(
      `TRUNCATE inbox_message, hl7_id_conflict, rights_check, planned_encounter, cdri_lot_chunk, cdri_lot_item, cdri_lot, outbound_message,
                inbound_return, transmission_attempt, transmission`,
    );
  });

  async function inbox(controlId: string, nir: string, receivedDaysAgo: number, dispatched: boolean): Promise<void> {
    await db.exec(
      `INSERT INTO inbox_message (sending_application, sending_facility, control_id, message_type, event, raw, charset, status,
         ack_code, ack, correlation_id, facts, dispatched_at, received_at)
       VALUES ('GAP', 'HOP', $1, 'ADT', 'A01', convert_to('MSH|...|PID|||' || $2 || '^^^INS', 'UTF8'), 'UNICODE UTF-8', 'accepted',
         'AA', '\\x00', 'c', jsonb_build_object('nir', $2::text), $4, $3)`,
      [controlId, nir, ago(receivedDaysAgo), dispatched ? ago(receivedDaysAgo) : null],
    );
  }
  async function rightsCheck(nir: string, daysAgo: number, state = 'answered'): Promise<void> {
    await db.exec(
      `INSERT INTO rights_check (source, requested_by, correlation_id, nir, date_of_care, finess, state, requested_at)
       VALUES ('fhir', 'k', 'c', $1, '2026-01-01', '010000024', $2, $3)`,
      [nir, state, ago(daysAgo)],
    );
  }
  async function lot(finishedDaysAgo: number | null, items: Array<{ nir: string; daysAgo: number }>): Promise<string> {
    const row = await db.one<{ id: string }>(
      `INSERT INTO cdri_lot (finess, lot_date, horizon_days, mode, trigger, requested_by, state, correlation_id, finished_at)
       VALUES ('010000024', now()::date - $2::int, 1, 'unit-fanout', 'csv', 'k', $3, 'c', $1) RETURNING id`,
      [finishedDaysAgo === null ? null : ago(finishedDaysAgo), finishedDaysAgo ?? 0, finishedDaysAgo === null ? 'running' : 'completed'],
    );
    await db.exec(`INSERT INTO cdri_lot_chunk (lot_id, chunk_no, state) VALUES ($1, 0, 'done')`, [row!.id]);
    for (const it of items) {
      await db.exec(
        `INSERT INTO cdri_lot_item (lot_id, nir, date_of_care, source, state, family_name, updated_at)
         VALUES ($1, $2, '2026-01-01', 'csv', 'done', 'TESTNOM', $3)`,
        [row!.id, it.nir, ago(it.daysAgo)],
      );
    }
    return row!.id;
  }
  async function planned(nir: string, plannedDaysAgo: number): Promise<void> {
    await db.exec(
      `INSERT INTO planned_encounter (finess, visit_number, nir, planned_date, source_event)
       VALUES ('010000024', $1, $2, now()::date - $3::int, 'A05')`,
      [randomUUID(), nir, plannedDaysAgo],
    );
  }
  async function outbound(nir: string, daysAgo: number, state: string): Promise<void> {
    await db.exec(
      `INSERT INTO outbound_message (kind, ref_id, control_id, payload, state, created_at)
       VALUES ('rights-change', $1, $2, convert_to('PID|||' || $3::text, 'UTF8'), $4, $5)`,
      [randomUUID(), randomUUID().slice(0, 20), nir, state, ago(daysAgo)],
    );
  }
  async function transmission(createdDaysAgo: number, state: string, withReturn?: { nir: string; processed: boolean }): Promise<string> {
    const id = randomUUID();
    const spool = join(spoolDir, `${id}.p7m`);
    writeFileSync(spool, 'sealed');
    await db.exec(
      `INSERT INTO transmission (id, flow, lot_ref, recipient_id, channel, recipient, file_name, idempotency_key, spool_path, sha256,
         bytes, state, created_at, sent_at)
       VALUES ($1::uuid, 'billing', 'LOT', 'cpam', 'file-drop', 'x', 'f', $1::text, $2, 'h', 6, $3, $4, $5)`,
      [id, spool, state, ago(createdDaysAgo), state === 'queued' ? null : ago(createdDaysAgo)],
    );
    await db.exec(`INSERT INTO transmission_attempt (id, transmission_id, started_at) VALUES ($1, $2, $3)`, [
      randomUUID(),
      id,
      ago(createdDaysAgo),
    ]);
    if (withReturn) {
      await db.exec(
        `INSERT INTO inbound_return (id, source, file_name, sha256, bytes, transmission_id, raw, content, received_at, processed_at)
         VALUES ($1::uuid, 's', $1::text, 'h', 1, $2, '\\x01', convert_to('NOEMIE ' || $3::text, 'UTF8'), $4, $5)`,
        [randomUUID(), id, withReturn.nir, ago(createdDaysAgo), withReturn.processed ? ago(createdDaysAgo) : null],
      );
    }
    return spool;
  }

  it('removes what is past its age in bounded batches, keeps the rest, and counts it in the metrics', async () => {
    const nir = (i: number) => makeTestNir({ order: 405, commune: i });
    await inbox('OLD-1', nir(1), OLD, true);
    await inbox('OLD-2', nir(2), OLD, true);
    await inbox('OLD-3', nir(3), OLD, true);
    await inbox('OLD-UNDISPATCHED', nir(4), OLD, false); // not yet followed up: never old
    await inbox('NEW', nir(5), NEW, true);
    await rightsCheck(nir(6), OLD);
    await rightsCheck(nir(7), OLD, 'pending'); // still waiting for the insurer
    await rightsCheck(nir(8), NEW);
    const oldLot = await lot(OLD, [
      { nir: nir(9), daysAgo: OLD },
      { nir: nir(10), daysAgo: OLD },
    ]);
    const running = await lot(null, [{ nir: nir(11), daysAgo: OLD }]); // a running lot's items stay
    const recentLot = await lot(NEW, [{ nir: nir(12), daysAgo: NEW }]);
    await planned(nir(13), OLD);
    await planned(nir(14), -2); // the day after tomorrow
    await outbound(nir(15), OLD, 'delivered');
    await outbound(nir(16), OLD, 'pending');
    const ancientSpool = await transmission(ANCIENT, 'acknowledged');
    const oldSpool = await transmission(OLD, 'acknowledged', { nir: nir(17), processed: true });
    const queuedSpool = await transmission(OLD, 'queued');
    const newSpool = await transmission(NEW, 'sent', { nir: nir(18), processed: true });

    const removed = await runner().runOnce();

    expect(removed).toEqual({
      'hl7-raw': 3,
      'hl7-conflicts': 0,
      'hl7-outbound': 1,
      'hl7-parked': 0,
      'rights-answers': 1,
      'lot-items': 2,
      lots: 1,
      'planned-encounters': 1,
      'returns-decrypted': 1,
      'spool-files': 2, // delivered over 90 days ago (the queued one is still to be sent, the new one is young)
      returns: 0,
      transmissions: 1,
    });
    expect((await db.rows(`SELECT control_id FROM inbox_message ORDER BY control_id`)).map((r) => r.control_id)).toEqual([
      'NEW',
      'OLD-UNDISPATCHED',
    ]);
    expect(await count(`SELECT 1 FROM rights_check`)).toBe(2);
    expect(await count(`SELECT 1 FROM cdri_lot WHERE id = $1`.replace('$1', `'${oldLot}'`))).toBe(0);
    expect(await count(`SELECT 1 FROM cdri_lot_item WHERE lot_id IN ('${running}', '${recentLot}')`)).toBe(2);
    expect(await count(`SELECT 1 FROM cdri_lot_item`)).toBe(2);
    expect(await count(`SELECT 1 FROM planned_encounter`)).toBe(1);
    expect(await count(`SELECT 1 FROM outbound_message WHERE state = 'pending'`)).toBe(1);
    expect(await count(`SELECT 1 FROM outbound_message`)).toBe(1);
    // Billing records within their legal period stay; only the decrypted copy of their return goes.
    expect(await count(`SELECT 1 FROM transmission`)).toBe(3);
    expect(await count(`SELECT 1 FROM inbound_return WHERE content IS NULL`)).toBe(1);
    expect(await count(`SELECT 1 FROM inbound_return WHERE content IS NOT NULL`)).toBe(1);
    expect([existsSync(ancientSpool), existsSync(oldSpool), existsSync(queuedSpool), existsSync(newSpool)]).toEqual([
      false,
      false,
      true,
      true,
    ]);

    const text = await metrics.registry.metrics();
    expect(text).toContain('passerelle_retention_deleted_total{kind="hl7-raw"} 3');
    expect(text).toContain('passerelle_retention_deleted_total{kind="lot-items"} 2');
    expect(text).toContain('passerelle_retention_deleted_total{kind="spool-files"} 2');
    expect(text).toMatch(/passerelle_retention_last_run_timestamp_seconds \d{10}/);

    // A second pass finds nothing more.
    expect(Object.values(await runner().runOnce()).every((n) => n === 0)).toBe(true);
  });

  it('RETENTION changes a period or turns a kind off, and refuses a kind no flow declares', async () => {
    const nir = makeTestNir({ order: 406, commune: 1 });
    await inbox('TEN-DAYS', nir, 10, true);
    await planned(nir, OLD);
    const removed = await runner({
      days: new Map<string, number | null>([
        ['hl7-raw', 7],
        ['planned-encounters', null],
      ]),
    }).runOnce();
    expect(removed['hl7-raw']).toBe(1);
    expect(removed['planned-encounters']).toBeUndefined();
    expect(await count(`SELECT 1 FROM planned_encounter`)).toBe(1);
    expect(() => runner({ days: new Map([['hl7-rawx', 7]]) })).toThrow(/RETENTION: unknown kinds hl7-rawx/);
  });

  it("erases one patient's data where the law allows, keeps billing records, leaves other patients alone", async () => {
    const patient = makeTestNir({ order: 407, commune: 1 });
    const other = makeTestNir({ order: 407, commune: 2 });
    for (const n of [patient, other]) {
      await inbox(`E-${n.slice(-4)}`, n, NEW, false);
      await rightsCheck(n, NEW);
      await planned(n, -1);
      await outbound(n, NEW, 'pending');
      await lot(NEW, [{ nir: n, daysAgo: NEW }]);
      await transmission(NEW, 'sent', { nir: n, processed: true });
    }
    const report = await runner().erase(patient);
    expect(report.erased).toEqual({
      'hl7-raw': 1,
      'hl7-conflicts': 0,
      'hl7-outbound': 1,
      'hl7-parked': 0,
      'rights-answers': 1,
      'lot-items': 1,
      'planned-encounters': 1,
      'returns-decrypted': 1,
    });
    expect(Object.keys(report.kept).sort()).toEqual(['returns', 'transmissions']);
    expect(report.kept.transmissions).toMatch(/legal retention/);
    for (const [table, column] of [
      ['rights_check', 'nir'],
      ['planned_encounter', 'nir'],
      ['cdri_lot_item', 'nir'],
    ]) {
      expect(await count(`SELECT 1 FROM ${table} WHERE ${column} = '${patient}'`)).toBe(0);
      expect(await count(`SELECT 1 FROM ${table} WHERE ${column} = '${other}'`)).toBe(1);
    }
    expect(await count(`SELECT 1 FROM inbox_message`)).toBe(1);
    expect(await count(`SELECT 1 FROM outbound_message`)).toBe(1);
    expect(await count(`SELECT 1 FROM transmission`)).toBe(2);
    expect(await count(`SELECT 1 FROM inbound_return WHERE content IS NOT NULL`)).toBe(1);
    expect(await metrics.registry.metrics()).toContain('passerelle_retention_erased_total{kind="rights-answers"} 1');
  });
});

describe('retention in a running gateway', () => {
  let fx: GatewayFixture;

  beforeAll(async () => {
    fx = await startGatewayFixture({ queue: 'redis', env: { CDRI_LOT_CRON: '', LOG_LEVEL: 'info' } });
  });

  afterAll(async () => {
    await fx?.close();
  });

  it('the worker runs the purge (metrics), and POST /admin/purge erases by NIR with counts per kind, never echoing it', async () => {
    const metrics = await (await fetch(`${fx.gateway.baseUrl}/metrics`, { headers: headersAs('metrics') })).text();
    expect(metrics).toMatch(/passerelle_retention_last_run_timestamp_seconds \d/);
    const nir = makeTestNir({ order: 408, commune: 1 });
    const res = await fetch(`${fx.gateway.baseUrl}/admin/purge`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headersAs('admin') },
      body: JSON.stringify({ nir }),
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain(nir);
    expect(JSON.parse(text)).toMatchObject({ erased: { 'rights-answers': 0, 'hl7-raw': 0 }, kept: {} });

    const bad = await fetch(`${fx.gateway.baseUrl}/admin/purge`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headersAs('admin') },
      body: JSON.stringify({ nir: '123' }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ expression: ['nir'] }] });
    expect((await fetch(`${fx.gateway.baseUrl}/admin/purge`, { method: 'POST' })).status).toBe(401);
    // Erasure is an admin's act, not a kiosk's (any authenticated client could erase a patient before roles).
    const kiosk = await fetch(`${fx.gateway.baseUrl}/admin/purge`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-API-Key': TEST_KIOSK_KEY },
      body: JSON.stringify({ nir }),
    });
    expect(kiosk.status).toBe(403);
  });
});

describe('encryption at rest of the HL7 inbox and of patient names (DATA_MASTER_KEYS)', () => {
  let fx: GatewayFixture;
  let db: Client;
  const masterKey = randomBytes(32);
  const pseudonymKey = randomBytes(32);

  beforeAll(async () => {
    fx = await startGatewayFixture({
      queue: 'redis',
      env: {
        CDRI_LOT_CRON: '',
        LOG_LEVEL: 'info',
        DATA_MASTER_KEYS: `k2026:${masterKey.toString('base64')}`,
        DATA_PSEUDONYM_KEY: pseudonymKey.toString('base64'),
      },
    });
    db = new Client({ connectionString: fx.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await fx?.close();
  });

  it('stores raw HL7, its facts, the names and birth dates as envelopes, still follows them up, and erases them by NIR through the pseudonym', async () => {
    const nir = makeTestNir({ order: 409, commune: 1 });
    const mllp = new MllpClient({ host: '127.0.0.1', port: fx.gateway.mllpPort, timeoutMs: 10000 });
    await mllp.connect();
    const ack = readAck(
      await mllp.send(buildA05({ controlId: 'ENC-1', nir, visitNumber: 'V-ENC-1', plannedDate: `${tomorrow().replace(/-/g, '')}080000` })),
    );
    // The same MSH-10 with other content: refused AR and kept for audit in hl7_id_conflict — encrypted too.
    const conflictAck = readAck(
      await mllp.send(buildA05({ controlId: 'ENC-1', nir, visitNumber: 'V-ENC-2', plannedDate: `${tomorrow().replace(/-/g, '')}080000` })),
    );
    await mllp.close();
    expect(ack.code).toBe('AA');
    expect(conflictAck.code).toBe('AR');

    const row = (await db.query(`SELECT raw, facts, nir_pseudonym FROM inbox_message WHERE control_id = 'ENC-1'`)).rows[0];
    expect(FieldCipher.isEnvelope(row.raw)).toBe(true);
    expect(row.raw.includes(nir)).toBe(false);
    expect(Object.keys(row.facts)).toEqual(['enc']);
    expect(JSON.stringify(row.facts)).not.toContain(nir);
    const cipher = new FieldCipher({ masterKeys: new Map([['k2026', masterKey]]), activeKeyId: 'k2026', pseudonymKey });
    expect(cipher.decrypt('inbox_message.raw', row.raw).includes(nir)).toBe(true);
    expect(row.nir_pseudonym).toEqual(cipher.pseudonym(nir));
    const conflict = (await db.query(`SELECT raw, nir_pseudonym FROM hl7_id_conflict WHERE control_id = 'ENC-1'`)).rows[0];
    expect(FieldCipher.isEnvelope(conflict.raw)).toBe(true);
    expect(conflict.raw.includes(nir)).toBe(false);
    expect(cipher.decrypt('hl7_id_conflict.raw', conflict.raw).includes('V-ENC-2')).toBe(true);
    expect(conflict.nir_pseudonym).toEqual(cipher.pseudonym(nir));
    // The follow-up read the facts back: the pre-admission became a planned encounter.
    await waitFor('the planned encounter', async () => (await db.query(`SELECT 1 FROM planned_encounter WHERE nir = $1`, [nir])).rowCount);

    // Names are stored encrypted, copied as they are into a night lot, and read back in clear by the lot's store.
    const planned = (await db.query(`SELECT family_name, given_name, birth_date FROM planned_encounter WHERE nir = $1`, [nir])).rows[0];
    expect(planned.family_name.startsWith('pe1:')).toBe(true);
    expect(planned.birth_date.startsWith('pe1:')).toBe(true);
    expect(planned.family_name).not.toContain(SAMPLE_FAMILY);
    const lot = await fetch(`${fx.gateway.baseUrl}/cdri/lots`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headersAs('operator') },
      body: JSON.stringify({ finess: SAMPLE_SITE_FINESS }),
    });
    expect(lot.status).toBe(202);
    const lotId = ((await lot.json()) as { id: string }).id;
    // Once the lot has run (its answers written), the item is made to look changed and pending again, to read it back.
    await waitForTask(fx.gateway.baseUrl, lotId, 'completed');
    await db.query(`UPDATE cdri_lot_item SET change = 'CLOSED', state = 'pending', chunk_no = 0 WHERE lot_id = $1`, [lotId]);
    const ds = createDataSource(fx.databaseUrl, 2, MIGRATIONS);
    await ds.initialize();
    try {
      const [item] = await new LotStore(new Sql(ds), cipher).changedItems(lotId);
      expect({ family: item.familyName, given: item.givenName, birthDate: item.birthDate }).toEqual({
        family: SAMPLE_FAMILY,
        given: SAMPLE_GIVEN,
        birthDate: `${SAMPLE_BIRTH_DATE.slice(0, 4)}-${SAMPLE_BIRTH_DATE.slice(4, 6)}-${SAMPLE_BIRTH_DATE.slice(6, 8)}`,
      });
      // The lot-exchange mode reads the birth date through its own store.
      const [chunkItem] = await new LotChunkStore(new Sql(ds), cipher).pendingItems(lotId, 0);
      expect(chunkItem.birthDate).toBe(item.birthDate);
      const stored = (await db.query(`SELECT family_name, birth_date FROM cdri_lot_item WHERE lot_id = $1`, [lotId])).rows[0];
      expect(stored.family_name.startsWith('pe1:')).toBe(true);
      expect(stored.birth_date.startsWith('pe1:')).toBe(true);
    } finally {
      await ds.destroy();
    }

    const res = await fetch(`${fx.gateway.baseUrl}/admin/purge`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headersAs('admin') },
      body: JSON.stringify({ nir }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ erased: { 'hl7-raw': 1, 'hl7-conflicts': 1, 'planned-encounters': 1, 'lot-items': 1 } });
    expect((await db.query(`SELECT 1 FROM hl7_id_conflict WHERE control_id = 'ENC-1'`)).rowCount).toBe(0);
    expect((await db.query(`SELECT 1 FROM inbox_message WHERE control_id = 'ENC-1'`)).rowCount).toBe(0);
  });
});
