/**
 * FIDES lots against the real PostgreSQL and Redis, the real transmission outbox (file-drop channel) and the test
 * PKI: ready invoices → one numbered lot per (FINESS, caisse) with frozen bytes → handed over → sent; numbers
 * gap-free and never reused with closers racing; no invoice in two lots; a SIGKILL of a closing process before and
 * after COMMIT; the lot file as the insurer gets it opens with `openssl cms -decrypt` then `-verify`, and its B2
 * parses back to the invoices that went in.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DataSource } from 'typeorm';
import { MIGRATIONS } from '../../src/app/flows';
import { checkEnvelope, readB2File } from '../../src/fides/b2';
import type { InvoiceDraft } from '../../src/fides/invoice-draft';
import { b2InvoiceToProjection, projectDraft } from '../../src/fides/lots';
import { rsfSampleDrafts } from '../../src/fides/lots/lots.test-support';
import { createDataSource } from '../../src/persistence/data-source';
import { migrate } from '../../src/persistence/migrate';
import type { LotTransmissionPort } from '../../src/platform/lot-transmission';
import { FileDropChannel } from '../../src/transport/channels/file-drop.channel';
import { lotTransmissionAdapter } from '../../src/transport/outbox/lot-transmission.adapter';
import { getTestPki, runOpenssl } from '../support/test-pki';
import { createTestDatabase, TEST_REDIS_URL } from '../support/test-database';
import { openTestOutbox, type TestOutbox } from '../support/outbox-child';
import { openTestLots, seedReady, TEST_EMITTER, testFiness, type TestLots, type TestLotsConfig } from '../support/fides-lots';
import { teardown } from '../support/wait-for';

const CHILD = join(__dirname, '..', '..', 'dist', 'tests', 'support', 'fides-lots-child.js');

describe('FIDES lots', () => {
  const pki = getTestPki();
  const runId = `${process.pid}-${Date.now()}`;
  let db: { url: string; drop: () => Promise<void> };
  let migrated: DataSource;
  let work: string;
  let dropDir: string;
  let outbox: TestOutbox;
  let port: LotTransmissionPort;
  let lots: TestLots;
  let ace: InvoiceDraft;
  let cfg: TestLotsConfig;
  const opened: TestLots[] = [];

  async function open(extra: Partial<TestLotsConfig> = {}): Promise<TestLots> {
    const l = await openTestLots({ ...cfg, ...extra }, { transmission: port });
    opened.push(l);
    return l;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    migrated = createDataSource(db.url, 2, MIGRATIONS);
    await migrated.initialize();
    await migrate(migrated);
    work = mkdtempSync(join(tmpdir(), 'fides-lots-'));
    dropDir = join(work, 'drop');
    const spoolDir = join(work, 'spool');
    for (const d of [dropDir, spoolDir]) mkdirSync(d);
    outbox = await openTestOutbox(
      {
        databaseUrl: db.url,
        redisUrl: TEST_REDIS_URL,
        queuePrefix: `fides-lots-${runId}`,
        spoolDir,
        sealP12Path: pki.seal.p12Path,
        p12Password: pki.p12Password,
        trustStorePem: pki.trustStorePem,
        recipients: { 'cpam-75': pki.recipient.certPem + pki.recipient.chainPem },
      },
      { channels: { 'file-drop': new FileDropChannel({ directory: dropDir }) } },
    );
    await outbox.queue.prepare();
    port = lotTransmissionAdapter(outbox.outbox, new Map([['cpam-75', { channel: 'file-drop', address: '' }]]), new Set(['cpam-75']));
    ace = (await rsfSampleDrafts())[1];
    cfg = { databaseUrl: db.url, maxInvoicesPerLot: 1000, recipients: { '01/751': 'cpam-75' } };
    lots = await open();
  });

  afterAll(async () => {
    await teardown([
      ...opened.map((l, i): [string, () => Promise<unknown>] => [`lots ${i}`, () => l.close()]),
      ['outbox', () => outbox.close()],
      ['datasource', () => migrated.destroy()],
      ['database', () => db.drop()],
      ['work dir', async () => rmSync(work, { recursive: true, force: true })],
    ]);
  });

  const states = async (ids: readonly string[]): Promise<string[]> =>
    (await lots.sql.rows<{ state: string }>(`SELECT state FROM invoice WHERE id = ANY($1) ORDER BY id`, [ids])).map((r) => r.state);

  it('closes one lot per caisse, hands it over, follows it to sent; the file decrypts and verifies with OpenSSL and parses back', async () => {
    const finess = testFiness(1);
    const ids = await seedReady(lots.invoices, ace, { finess, firstNumber: 100, count: 3 });
    const [orphan] = await seedReady(lots.invoices, ace, { finess, firstNumber: 200, count: 1, managingFund: '931' });

    const result = await lots.service.close({ cause: 'manual', actor: 'billing-1', finess: [finess] });
    expect(result.unrouted).toEqual([{ finess, grandRegime: '01', managingFund: '931', invoices: 1 }]);
    expect(result.refused).toEqual([]);
    expect(result.lots).toHaveLength(1);
    const [lot] = result.lots;
    expect(lot).toMatchObject({
      lotRef: `B2-${TEST_EMITTER}-01751-000001`,
      state: 'handed-over',
      fileNumber: 1,
      lotSequence: 1,
      lotNumber: 1,
      kind: 'ace',
      finess,
      recipientId: 'cpam-75',
      invoiceCount: 3,
      closeCause: 'manual',
      closedBy: 'billing-1',
    });
    expect(await states(ids)).toEqual(['in-lot', 'in-lot', 'in-lot']);
    expect(await states([orphan])).toEqual(['ready']);
    const lotIds = await lots.sql.rows<{ lot_id: string }>(`SELECT lot_id FROM invoice WHERE id = ANY($1)`, [ids]);
    expect(lotIds.every((r) => r.lot_id === lot.id)).toBe(true);
    expect((await lots.invoices.transitions(ids[0])).map((t) => [t.from, t.to, t.cause])).toEqual([
      [null, 'received', 'test'],
      ['received', 'ready', 'preflight passed (test)'],
      ['ready', 'in-lot', `lot ${lot.lotRef}`],
    ]);

    // The send worker's job, then the sweep that follows the transmission.
    const t = await port.get(lot.transmissionId as string);
    expect(t).toMatchObject({ lotRef: lot.lotRef, state: 'queued' });
    await outbox.outbox.sendJob(lot.transmissionId as string);
    expect(await lots.handover.sweep()).toEqual({ handedOver: 0, sent: 1, failed: [] });
    expect(await lots.store.get(lot.id)).toMatchObject({ state: 'sent', possibleDuplicate: false });
    expect(await states(ids)).toEqual(['sent', 'sent', 'sent']);

    // What the insurer gets: OpenSSL decrypts with its key, verifies our seal, and the B2 reads back our invoices.
    const [dropped] = readdirSync(dropDir).filter((f) => f.endsWith(`__${lot.lotRef}.p7m`));
    expect(dropped).toBeDefined();
    const p7m = join(work, 'lot.p7m');
    writeFileSync(p7m, readFileSync(join(dropDir, dropped)));
    runOpenssl([
      'cms',
      '-decrypt',
      '-binary',
      '-inform',
      'DER',
      '-in',
      p7m,
      '-recip',
      pki.recipient.certPath,
      '-inkey',
      pki.recipient.keyPath,
      '-out',
      join(work, 'lot.p7s'),
    ]);
    runOpenssl([
      'cms',
      '-verify',
      '-binary',
      '-inform',
      'DER',
      '-in',
      join(work, 'lot.p7s'),
      '-CAfile',
      pki.caBundlePath,
      '-out',
      join(work, 'lot.b2'),
    ]);
    const b2 = readFileSync(join(work, 'lot.b2'));
    expect(b2.equals((await lots.store.content(lot.id)) as Buffer)).toBe(true);
    const reading = readB2File(b2.toString('latin1'));
    expect(checkEnvelope(reading)).toEqual([]);
    expect(reading.header.values).toMatchObject({ emitterId: TEST_EMITTER, grandRegime: '01', managingFund: '751', fileNumber: '000001' });
    expect(reading.lots).toHaveLength(1);
    expect(reading.lots[0].header.values).toMatchObject({ lotNumber: '001', partnerNumber: finess });
    const expected = await Promise.all(ids.map(async (id) => projectDraft((await lots.invoices.get(id))!.draft)));
    expect(reading.lots[0].invoices.map((inv) => b2InvoiceToProjection(inv))).toEqual(expected);

    // Listed, and nothing more to do.
    expect((await lots.store.list({ state: 'sent', finess: [finess], limit: 10 })).map((l) => l.lotRef)).toEqual([lot.lotRef]);
    expect(await lots.service.close({ cause: 'manual', actor: 'billing-1', finess: [finess] })).toMatchObject({ lots: [] });
  });

  it('leaves out an invoice B2 cannot carry (reported, still ready) without holding back the others', async () => {
    const finess = testFiness(5);
    const good = await seedReady(lots.invoices, ace, { finess, firstNumber: 9000, count: 2 });
    const broken = { ...ace, patient: { ...ace.patient, insuredNirKey: '' } };
    const [bad] = await seedReady(lots.invoices, broken, { finess, firstNumber: 9100, count: 1 });
    const result = await lots.closer.close({ cause: 'manual', actor: 'billing-1', finess: [finess] });
    expect(result.lots.map((l) => l.invoiceCount)).toEqual([2]);
    expect(result.refused.map((r) => r.invoiceId)).toEqual([bad]);
    expect(result.refused[0].problems).toContainEqual(expect.objectContaining({ code: 'B2-WRITE-missing', field: '2.insuredNirKey' }));
    expect(await states(good)).toEqual(['in-lot', 'in-lot']);
    expect(await states([bad])).toEqual(['ready']);
    // Not tried again by this process until its content changes.
    expect(await lots.closer.close({ cause: 'manual', actor: 'billing-1', finess: [finess] })).toEqual({
      lots: [],
      unrouted: [],
      refused: [],
    });
  });

  it('refuses any change to a numbered lot’s bytes or numbers', async () => {
    const [lot] = await lots.store.list({ finess: 'all', limit: 1 });
    await expect(lots.sql.exec(`UPDATE fides_lot SET content = $2 WHERE id = $1`, [lot.id, Buffer.from('x')])).rejects.toThrow(/frozen/);
    await expect(lots.sql.exec(`UPDATE fides_lot SET file_number = file_number + 100 WHERE id = $1`, [lot.id])).rejects.toThrow(/frozen/);
    await expect(lots.sql.exec(`UPDATE fides_lot SET lot_number = lot_number % 999 + 1 WHERE id = $1`, [lot.id])).rejects.toThrow(/frozen/);
  });

  it('racing closers: every invoice in exactly one lot, file and lot numbers 1…n with no gap and no repeat', async () => {
    const finess = testFiness(2);
    const ids = await seedReady(lots.invoices, ace, { finess, firstNumber: 1000, count: 60 });
    const closers = await Promise.all([1, 2, 3, 4].map(() => open({ maxInvoicesPerLot: 7, planBatch: 5 })));
    const before = await lots.sql.one<{ f: string }>(
      `SELECT last_file_number AS f FROM fides_lot_sequence WHERE emitter_id = $1 AND grand_regime = '01' AND managing_fund = '751'`,
      [TEST_EMITTER],
    );
    const results = await Promise.all(closers.map((c) => c.closer.close({ cause: 'size', actor: 'system', finess: [finess] })));
    const made = results.flatMap((r) => r.lots);
    expect(made.reduce((n, l) => n + l.invoiceCount, 0)).toBe(60);
    expect(made.every((l) => l.invoiceCount <= 7)).toBe(true);

    const perInvoice = await lots.sql.rows<{ n: number }>(
      `SELECT count(*)::int AS n FROM fides_lot_invoice WHERE invoice_id = ANY($1) GROUP BY invoice_id`,
      [ids],
    );
    expect(perInvoice).toHaveLength(60);
    expect(perInvoice.every((r) => r.n === 1)).toBe(true);
    expect(new Set(await states(ids))).toEqual(new Set(['in-lot']));

    const all = await lots.sql.rows<{ file_number: string; lot_sequence: string }>(
      `SELECT file_number, lot_sequence FROM fides_lot WHERE emitter_id = $1 AND grand_regime = '01' AND managing_fund = '751' ORDER BY file_number`,
      [TEST_EMITTER],
    );
    const files = all.map((r) => Number(r.file_number));
    expect(files).toEqual(files.map((_, i) => i + 1));
    expect(all.map((r) => Number(r.lot_sequence))).toEqual(files);
    expect(files.length).toBe(Number(before?.f ?? 0) + made.length);
    const after = await lots.sql.one<{ f: string; l: string }>(
      `SELECT last_file_number AS f, last_lot_number AS l FROM fides_lot_sequence WHERE emitter_id = $1 AND grand_regime = '01' AND managing_fund = '751'`,
      [TEST_EMITTER],
    );
    expect([Number(after?.f), Number(after?.l)]).toEqual([files.length, files.length]);
  });

  it('closes by size (full lots only) and by the establishment’s daily cut-off', async () => {
    const finess = testFiness(3);
    const ids = await seedReady(lots.invoices, ace, { finess, firstNumber: 5000, count: 7 });
    // A cut-off one minute from now, seen from tomorrow: "the last cut-off" is then after these invoices became ready.
    const soon = new Date(Date.now() + 60_000);
    const hhmm = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Paris',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).format(soon);
    const tomorrow = new Date(Date.now() + 86_400_000);
    const l = await openTestLots(
      { ...cfg, maxInvoicesPerLot: 3, cutoffByFiness: { [finess]: hhmm } },
      { transmission: port, now: () => tomorrow },
    );
    opened.push(l);
    const bySize = await l.closer.close({ cause: 'size', actor: 'system', finess: [finess], fullOnly: true });
    expect(bySize.lots.map((x) => x.invoiceCount)).toEqual([3, 3]);
    expect((await states(ids)).filter((s) => s === 'ready')).toHaveLength(1);
    // Today's cut-off (not yet passed) leaves the last one waiting.
    const today = await l.closer.close({
      cause: 'cutoff',
      actor: 'system',
      finess: [finess],
      readyBefore: new Date(Date.now() - 3_600_000),
    });
    expect(today.lots).toEqual([]);
    const run = await l.service.runSchedule();
    expect(run.byCutoff).toBeGreaterThanOrEqual(1);
    const last = await l.store.list({ finess: [finess], limit: 10 });
    expect(last.map((x) => [x.closeCause, x.invoiceCount])).toEqual([
      ['cutoff', 1],
      ['size', 3],
      ['size', 3],
    ]);
    expect(new Set(await states(ids))).toEqual(new Set(['in-lot']));
  });

  describe('kill -9 of a closing process', () => {
    const finess = testFiness(4);
    const sequence = async (): Promise<{ f: number; l: number }> => {
      const r = await lots.sql.one<{ f: string; l: string }>(
        `SELECT last_file_number AS f, last_lot_number AS l FROM fides_lot_sequence WHERE emitter_id = $1 AND grand_regime = '01' AND managing_fund = '751'`,
        [TEST_EMITTER],
      );
      return { f: Number(r?.f ?? 0), l: Number(r?.l ?? 0) };
    };

    async function closeInChildUntilKilled(killAt: 'before-commit' | 'after-commit'): Promise<void> {
      if (!existsSync(CHILD)) throw new Error(`${CHILD} is missing: run "npm run build:dev" first (npm test does it)`);
      const child = spawn(process.execPath, [CHILD, JSON.stringify({ ...cfg, killAt, finess })], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, sig) => resolve(sig)));
      expect({ signal, output }).toEqual({ signal: 'SIGKILL', output: `${killAt}\n` });
    }

    it('before COMMIT: nothing numbered, nothing moved; after COMMIT: the lot is handed over once, numbers neither skipped nor reused', async () => {
      const ids = await seedReady(lots.invoices, ace, { finess, firstNumber: 7000, count: 4 });
      const start = await sequence();

      await closeInChildUntilKilled('before-commit');
      expect(await sequence()).toEqual(start);
      expect(new Set(await states(ids))).toEqual(new Set(['ready']));
      expect(await lots.store.list({ finess: [finess], limit: 10 })).toEqual([]);

      await closeInChildUntilKilled('after-commit');
      expect(await sequence()).toEqual({ f: start.f + 1, l: start.l + 1 });
      const [lot] = await lots.store.list({ finess: [finess], limit: 10 });
      expect(lot).toMatchObject({ state: 'numbered', fileNumber: start.f + 1, invoiceCount: 4, transmissionId: null });
      expect(new Set(await states(ids))).toEqual(new Set(['in-lot']));

      // The restarted worker's sweep hands it over; sweeping again (another worker, a replay) changes nothing.
      const first = await lots.handover.sweep();
      expect(first.handedOver).toBeGreaterThanOrEqual(1);
      const handed = await lots.store.get(lot.id);
      expect(handed).toMatchObject({ state: 'handed-over' });
      await lots.handover.sweep();
      await open().then((other) => other.handover.sweep());
      const transmissions = await lots.sql.rows<{ id: string }>(`SELECT id FROM transmission WHERE lot_ref = $1`, [lot.lotRef]);
      expect(transmissions.map((t) => t.id)).toEqual([handed?.transmissionId]);

      // The next lot of that caisse takes the next number.
      await seedReady(lots.invoices, ace, { finess, firstNumber: 7100, count: 1 });
      const next = await lots.service.close({ cause: 'manual', actor: 'billing-1', finess: [finess] });
      expect(next.lots.map((l) => l.fileNumber)).toEqual([start.f + 2]);
    });
  });
});
