/**
 * FIDES returns through the REAL returns intake: a drop folder read by the ReturnsPoller, each file sealed by the
 * insurer and encrypted to us, stored raw, decrypted, verified against the signer pinned for the insurer, linked to
 * the lot's transmission (flow `fides`) and applied by the FIDES handler. A return signed by another (trusted)
 * certificate is refused by the intake and nothing of it reaches the invoices; the same RSP dropped twice (encrypted
 * afresh, so a new inbound return) is applied once.
 *
 * Test PKI roles as in returns-intake.test.ts: "recipient" plays our decryption certificate, "seal" the insurer's
 * signer, "expiringSoon" another trusted signer that is not the insurer's.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DataSource } from 'typeorm';
import { FidesReturnsHandler } from '../../src/fides/returns/fides-returns.handler';
import type { Sql } from '../../src/persistence/sql';
import { CertificateChecker } from '../../src/signing/certificate-checker';
import { loadPkcs12File } from '../../src/signing/certificate-loader';
import { signCms } from '../../src/signing/cms-signer';
import { type KeyProvider } from '../../src/signing/key-provider';
import { encryptCms } from '../../src/transport/cms/cms-encryptor';
import { ReturnsIntake } from '../../src/transport/intake/returns-intake';
import { TransmissionStore } from '../../src/transport/outbox/transmission.store';
import { FileDropReturnsSource } from '../../src/transport/returns/file-drop-returns.source';
import { ReturnsPoller } from '../../src/transport/returns/returns-poller';
import { arlFor, RSP_NIR, rspFor, seedLot, type SeededLot } from '../support/fides-returns';
import { createMigratedDatabase } from '../support/migrated-database';
import { getTestPki } from '../support/test-pki';

/** The default RETURNS_LOT_ID_PATTERN (config/defaults.json). */
const LOT_ID = /^(?:ARL|RSP)_(?<lotId>[A-Za-z0-9._-]+?)(?:\.(?:p7m|p7s|xml|txt|dat))?$/;

describe('FIDES returns through the returns intake (drop folder, sealed + encrypted)', () => {
  const pki = getTestPki();
  let db: { url: string; drop: () => Promise<void> };
  let ds: DataSource;
  let sql: Sql;
  let checker: CertificateChecker;
  let ourKey: KeyProvider;
  let insurerSeal: KeyProvider;
  let dir: string;

  beforeAll(async () => {
    ({ db, ds, sql } = await createMigratedDatabase(4));
    checker = new CertificateChecker({ trustStore: pki.trustStorePem });
    ourKey = await loadPkcs12File(pki.recipient.p12Path, pki.p12Password);
    insurerSeal = await loadPkcs12File(pki.seal.p12Path, pki.p12Password);
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fides-returns-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A lot the lot step sent: its transmission (flow fides, lotRef, insurer cpam-75) links the returns to it. */
  async function sentLot(amounts: number[]): Promise<SeededLot> {
    const lot = await seedLot(sql, amounts);
    const id = randomUUID();
    await new TransmissionStore(sql).insert({
      id,
      flow: 'fides',
      lotRef: lot.lotRef,
      recipientId: 'cpam-75',
      channel: 'file-drop',
      recipient: '',
      fileName: `${lot.lotRef}.p7m`,
      idempotencyKey: `fides-${lot.lotRef}`,
      spoolPath: '/nonexistent',
      sha256: '0'.repeat(64),
      bytes: 1,
    });
    await sql.exec(`UPDATE fides_lot SET transmission_id = $2 WHERE id = $1`, [lot.id, id]);
    return lot;
  }

  function runIntake(): { poller: ReturnsPoller; intake: ReturnsIntake } {
    const expectedSigners = new Map([['cpam-75', insurerSeal.certificate.x509.fingerprint256.replace(/:/g, '')]]);
    const intake = new ReturnsIntake({ db: sql, keyProviders: [ourKey], checker, expectedSigners });
    intake.register('fides', new FidesReturnsHandler(sql).handler);
    const source = new FileDropReturnsSource({ name: 'drop:amo', directory: dir, acknowledge: 'move-to-done' });
    return { intake, poller: new ReturnsPoller({ sources: [source], handler: intake.handler, intervalMs: 60_000, lotIdPattern: LOT_ID }) };
  }

  /** What the AMO drops: its return signed with its seal, then encrypted to our certificate. */
  async function sealed(text: string, signer = insurerSeal): Promise<Buffer> {
    const now = new Date();
    const signed = Buffer.from((await signCms(Buffer.from(text, 'latin1'), { signer, checker, now })).cms);
    return (await encryptCms(signed, { recipient: ourKey.certificate, recipientChain: ourKey.chain, checker, now })).cms;
  }

  const states = async (lot: SeededLot): Promise<string[]> =>
    (
      await sql.rows<{ state: string }>(
        `SELECT i.state FROM fides_lot_invoice li JOIN invoice i ON i.id = li.invoice_id WHERE li.lot_id = $1 ORDER BY li.position`,
        [lot.id],
      )
    ).map((r) => r.state);
  const inbound = async (fileName: string) =>
    sql.rows<{ route_status: string; error: string | null }>(
      `SELECT route_status, error FROM inbound_return WHERE file_name = $1 ORDER BY received_at`,
      [fileName],
    );

  it('ARL then RSP, sealed and encrypted, reach the invoices; the same RSP dropped again is applied once', async () => {
    const lot = await sentLot([2100, 4000]);
    const { poller } = runIntake();
    writeFileSync(join(dir, `ARL_${lot.lotRef}.p7m`), await sealed(arlFor(lot, 'P')));
    expect(await poller.runOnce()).toEqual({ handled: 1, failed: 0 });
    expect(await states(lot)).toEqual(['acknowledged', 'acknowledged']);

    const rsp = rspFor(lot, [
      { invoice: lot.invoices[0].number, outcome: 'P', paid: 2100 },
      { invoice: lot.invoices[1].number, outcome: 'R', billed: 4000, motive: ['DF001', 'Droits fermes'] },
    ]);
    writeFileSync(join(dir, `RSP_${lot.lotRef}.p7m`), await sealed(rsp));
    expect(await poller.runOnce()).toEqual({ handled: 1, failed: 0 });
    expect(await states(lot)).toEqual(['paid', 'rejected']);
    // The AMO drops the same RSP again: new ciphertext, so a new inbound return — a duplicate for the flow.
    writeFileSync(join(dir, `RSP_${lot.lotRef}.p7m`), await sealed(rsp));
    expect(await poller.runOnce()).toEqual({ handled: 1, failed: 0 });
    expect((await inbound(`RSP_${lot.lotRef}.p7m`)).map((r) => r.route_status)).toEqual(['consumed', 'consumed']);
    const returns = await sql.rows<{ kind: string; status: string }>(
      `SELECT kind, status FROM fides_return WHERE lot_ref = $1 ORDER BY received_at, status`,
      [lot.lotRef],
    );
    expect(returns).toEqual([
      { kind: 'ARL', status: 'applied' },
      { kind: 'RSP', status: 'applied' },
      { kind: 'RSP', status: 'duplicate' },
    ]);
    expect((await sql.one<{ n: number }>(`SELECT count(*)::int AS n FROM invoice_outcome WHERE lot_id = $1`, [lot.id]))?.n).toBe(2);
    expect((await sql.one<{ n: number }>(`SELECT count(*)::int AS n FROM fides_payment WHERE lot_id = $1`, [lot.id]))?.n).toBe(1);
  });

  it('a return signed by another trusted certificate is refused by the intake: nothing applied', async () => {
    const lot = await sentLot([1500]);
    const { poller } = runIntake();
    const other = await loadPkcs12File(pki.expiringSoon.p12Path, pki.p12Password);
    writeFileSync(join(dir, `ARL_${lot.lotRef}.p7m`), await sealed(arlFor(lot, 'N'), other));
    expect(await poller.runOnce()).toEqual({ handled: 1, failed: 0 });
    const [row] = await inbound(`ARL_${lot.lotRef}.p7m`);
    expect(row.route_status).toBe('not-routed');
    expect(row.error).toMatch(/^refused: signed by a certificate other than the one configured for this insurer/);
    expect(await states(lot)).toEqual(['sent']);
    expect(await sql.one(`SELECT state, arl_status FROM fides_lot WHERE id = $1`, [lot.id])).toEqual({ state: 'sent', arl_status: null });
    expect(await sql.rows(`SELECT id FROM fides_return WHERE lot_ref = $1`, [lot.lotRef])).toEqual([]);
  });

  it('a malformed RSP passes the intake (well sealed) and is recorded as an error by the flow, nothing applied', async () => {
    const lot = await sentLot([1500]);
    const { poller } = runIntake();
    const lines = rspFor(lot, [{ invoice: lot.invoices[0].number, outcome: 'P', paid: 1500 }]).split('\r\n');
    lines.splice(2, 0, lines[2]); // the same invoice line twice: the 990 totals no longer match
    writeFileSync(join(dir, `RSP_${lot.lotRef}.p7m`), await sealed(lines.join('\r\n')));
    expect(await poller.runOnce()).toEqual({ handled: 1, failed: 0 });
    expect((await inbound(`RSP_${lot.lotRef}.p7m`))[0].route_status).toBe('consumed');
    const ret = await sql.one<{ status: string; error_code: string; error_detail: string }>(
      `SELECT status, error_code, error_detail FROM fides_return WHERE lot_ref = $1`,
      [lot.lotRef],
    );
    expect(ret).toMatchObject({ status: 'error', error_code: 'RETURN-TOTALS' });
    expect(ret?.error_detail).not.toContain(RSP_NIR);
    expect(await states(lot)).toEqual(['sent']);
  });
});
