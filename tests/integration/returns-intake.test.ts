/**
 * ReturnsIntake behind a real ReturnsPoller and a real drop directory, on the real PostgreSQL: an encrypted + signed
 * return is stored raw first, decrypted, verified, linked to its transmission and routed; tampered files are kept
 * with their error (and acknowledged, not retried forever); a repeated file is not stored twice; a return is applied
 * only when signed by the certificate pinned for its insurer; symbolic links in the drop folder are never followed.
 *
 * Roles with the throwaway test PKI: its keyEncipherment certificate ("recipient") plays OUR encryption certificate
 * here, and the trusted seal plays the insurer's signature — what matters is one key to decrypt with and one
 * trusted signer.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DataSource } from 'typeorm';
import { MIGRATIONS } from '../../src/app/flows';
import { createDataSource } from '../../src/persistence/data-source';
import { migrate } from '../../src/persistence/migrate';
import { Sql } from '../../src/persistence/sql';
import { CertificateChecker } from '../../src/signing/certificate-checker';
import { loadPkcs12File } from '../../src/signing/certificate-loader';
import { signCms } from '../../src/signing/cms-signer';
import { type KeyProvider } from '../../src/signing/key-provider';
import { encryptCms } from '../../src/transport/cms/cms-encryptor';
import { type InboundReturn } from '../../src/transport/intake/inbound-return.store';
import { type IntakeEvent, ReturnsIntake } from '../../src/transport/intake/returns-intake';
import { TransmissionStore } from '../../src/transport/outbox/transmission.store';
import { FileDropReturnsSource } from '../../src/transport/returns/file-drop-returns.source';
import { type ReturnsPollError, ReturnsPoller } from '../../src/transport/returns/returns-poller';
import { getTestPki } from '../support/test-pki';
import { createTestDatabase } from '../support/test-database';

const LOT_ID = /^(?:ARL|RSP)_(?<lotId>LOT-\d+)/;
const SECRET_MARKER = 'ARL-CONTENT-NIR-1840775123456';

describe('ReturnsIntake', () => {
  const pki = getTestPki();
  let db: { url: string; drop: () => Promise<void> };
  let ds: DataSource;
  let sql: Sql;
  let checker: CertificateChecker;
  let ourKey: KeyProvider;
  let insurerSeal: KeyProvider;
  let dir: string;
  let transmissionId: string;
  let events: IntakeEvent[];
  let errors: ReturnsPollError[];

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = createDataSource(db.url, 3, MIGRATIONS);
    await ds.initialize();
    await migrate(ds);
    sql = new Sql(ds);
    checker = new CertificateChecker({ trustStore: pki.trustStorePem });
    ourKey = await loadPkcs12File(pki.recipient.p12Path, pki.p12Password);
    insurerSeal = await loadPkcs12File(pki.seal.p12Path, pki.p12Password);
    transmissionId = randomUUID();
    await new TransmissionStore(sql).insert({
      id: transmissionId,
      flow: 'b2',
      lotRef: 'LOT-42',
      recipientId: 'cpam-75',
      channel: 'sftp',
      recipient: '',
      fileName: 'B2_LOT-42.p7m',
      idempotencyKey: 'b2-LOT-42-cpam-75',
      spoolPath: '/nonexistent',
      sha256: '0'.repeat(64),
      bytes: 1,
    });
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'returns-intake-'));
    events = [];
    errors = [];
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The insurer cpam-75 signs its returns with the "seal" certificate of the test PKI: that one is pinned. */
  function intake(extra: Partial<ConstructorParameters<typeof ReturnsIntake>[0]> = {}): ReturnsIntake {
    const expectedSigners = new Map([['cpam-75', insurerSeal.certificate.x509.fingerprint256.replace(/:/g, '')]]);
    return new ReturnsIntake({ db: sql, keyProviders: [ourKey], checker, expectedSigners, onEvent: (e) => events.push(e), ...extra });
  }

  function poller(i: ReturnsIntake, onRefused?: (name: string, reason: string) => void): ReturnsPoller {
    const source = new FileDropReturnsSource({ name: 'drop:cpam-75', directory: dir, acknowledge: 'move-to-done', onRefused });
    return new ReturnsPoller({
      sources: [source],
      handler: i.handler,
      intervalMs: 60_000,
      lotIdPattern: LOT_ID,
      onError: (e) => errors.push(e),
    });
  }

  /** What the insurer sends: signed with its seal, then encrypted to our certificate. */
  async function insurerReturn(text: string, tamper?: 'signed-content' | 'ciphertext', signer = insurerSeal): Promise<Buffer> {
    const now = new Date();
    const signed = Buffer.from((await signCms(Buffer.from(text), { signer, checker, now })).cms);
    if (tamper === 'signed-content') signed[signed.indexOf(Buffer.from(text)) + 3] ^= 0x01;
    const { cms } = await encryptCms(signed, { recipient: ourKey.certificate, recipientChain: ourKey.chain, checker, now });
    if (tamper === 'ciphertext') cms[cms.length - 40] ^= 0x01;
    return cms;
  }

  async function stored(fileName: string): Promise<Array<InboundReturn & { raw: Buffer }>> {
    return sql.rows(
      `SELECT id, file_name AS "fileName", lot_ref AS "lotRef", transmission_id AS "transmissionId", flow, raw, content, encrypted,
         signature, signer, error, route_status AS "routeStatus", processed_at AS "processedAt"
       FROM inbound_return WHERE file_name = $1`,
      [fileName],
    );
  }

  it('stores an encrypted + signed return, decrypts and verifies it, and links it to its transmission', async () => {
    const arl = `<arl lot="LOT-42" status="positive">${SECRET_MARKER}</arl>`;
    const file = await insurerReturn(arl);
    writeFileSync(join(dir, 'ARL_LOT-42_1.p7m'), file);
    expect(await poller(intake()).runOnce()).toEqual({ handled: 1, failed: 0 });
    expect(errors).toEqual([]);
    const [r] = await stored('ARL_LOT-42_1.p7m');
    expect(r).toMatchObject({
      lotRef: 'LOT-42',
      transmissionId,
      flow: 'b2',
      encrypted: true,
      signature: 'valid',
      error: null,
      routeStatus: 'unconsumed',
      processedAt: expect.any(Date),
    });
    expect(r.raw.equals(file)).toBe(true);
    expect(r.content?.toString()).toBe(arl);
    expect(r.signer).toContain('CN=CH TEST ORG SIGN');
    const [t] = await sql.rows<{ at: Date | null }>(`SELECT return_received_at AS at FROM transmission WHERE id = $1`, [transmissionId]);
    expect(t.at).toBeInstanceOf(Date);
    expect(readdirSync(join(dir, 'done'))).toEqual(['ARL_LOT-42_1.p7m']);
    // Events say what happened, never what the file holds.
    expect(events.map((e) => e.type)).toEqual(['stored', 'unconsumed']);
    expect(JSON.stringify(events)).not.toContain(SECRET_MARKER);
  });

  it('keeps tampered returns with their error, signature invalid or undecryptable, and acknowledges them', async () => {
    writeFileSync(join(dir, 'ARL_LOT-42_2.p7m'), await insurerReturn('<arl lot="LOT-42"/>', 'signed-content'));
    writeFileSync(join(dir, 'ARL_LOT-42_3.p7m'), await insurerReturn('<arl lot="LOT-42"/>', 'ciphertext'));
    expect(await poller(intake()).runOnce()).toEqual({ handled: 2, failed: 0 });
    const [badSignature] = await stored('ARL_LOT-42_2.p7m');
    expect(badSignature).toMatchObject({ encrypted: true, signature: 'invalid', content: null, routeStatus: 'not-routed', transmissionId });
    expect(badSignature.error).toMatch(/^signature verification failed: (DIGEST_MISMATCH|BAD_SIGNATURE)/);
    const [badCiphertext] = await stored('ARL_LOT-42_3.p7m');
    expect(badCiphertext).toMatchObject({ encrypted: true, signature: 'none', content: null, routeStatus: 'not-routed' });
    expect(badCiphertext.error).toMatch(/^decryption failed: DECRYPTION_FAILED/);
    expect(readdirSync(dir).filter((f) => f !== 'done')).toEqual([]);
  });

  it('does not store a repeated file twice, and routes to the flow handler registered for the transmission', async () => {
    const consumed: InboundReturn[] = [];
    const i = intake();
    i.register('b2', async (ret) => {
      consumed.push(ret);
    });
    const file = await insurerReturn('<rsp lot="LOT-42"/>');
    writeFileSync(join(dir, 'RSP_LOT-42.p7m'), file);
    await poller(i).runOnce();
    writeFileSync(join(dir, 'RSP_LOT-42.p7m'), file); // the insurer drops the very same file again
    expect(await poller(i).runOnce()).toEqual({ handled: 1, failed: 0 });
    expect(await stored('RSP_LOT-42.p7m')).toHaveLength(1);
    expect(consumed).toHaveLength(1);
    expect(consumed[0]).toMatchObject({ flow: 'b2', transmissionId, signature: 'valid', routeStatus: null });
    expect(consumed[0].content?.toString()).toBe('<rsp lot="LOT-42"/>');
    expect(events.map((e) => e.type)).toEqual(['stored', 'consumed', 'duplicate']);
    expect(existsSync(join(dir, 'RSP_LOT-42.p7m'))).toBe(false);
  });

  it('retries a failing flow handler a bounded number of times, then parks the return', async () => {
    let calls = 0;
    const i = intake({ maxRouteAttempts: 2 });
    i.register('b2', async () => {
      calls++;
      throw new Error('billing flow unavailable');
    });
    writeFileSync(join(dir, 'ARL_LOT-42_7.p7m'), await insurerReturn('<arl lot="LOT-42" n="7"/>'));
    const p = poller(i);
    expect(await p.runOnce()).toEqual({ handled: 0, failed: 1 }); // left at the source for the next run
    expect(await p.runOnce()).toEqual({ handled: 1, failed: 0 }); // second failure: parked, acknowledged
    expect(calls).toBe(2);
    const [r] = await stored('ARL_LOT-42_7.p7m');
    expect(r).toMatchObject({ signature: 'valid', transmissionId, flow: 'b2', routeStatus: 'handler-failed' });
    expect(r.error).toBe('flow handler failed: billing flow unavailable');
    expect(errors.map((e) => e.phase)).toEqual(['handle']);
  });

  /**
   * The finding: unsigned returns were accepted and any trusted signer counted. Now the signer must be the one pinned
   * for the insurer the lot went to; anything else is stored (audit), refused with its reason, and reaches no flow.
   */
  it('refuses an unsigned return, one signed by another trusted certificate, and one linked to no insurer', async () => {
    const applied: InboundReturn[] = [];
    const i = intake({ flowOf: () => 'b2' });
    i.register('b2', async (ret) => {
      applied.push(ret);
    });
    writeFileSync(join(dir, 'ARL_LOT-42_plain.txt'), '<arl lot="LOT-42" status="positive"/>');
    writeFileSync(join(dir, 'ARL_LOT-42_other.p7m'), await insurerReturn('<arl lot="LOT-42"/>', undefined, await otherSigner()));
    writeFileSync(join(dir, 'ARL_LOT-99_unlinked.p7m'), await insurerReturn('<arl lot="LOT-99"/>'));
    expect(await poller(i).runOnce()).toEqual({ handled: 3, failed: 0 });
    expect(applied).toEqual([]);
    const [plain] = await stored('ARL_LOT-42_plain.txt');
    expect(plain).toMatchObject({ signature: 'none', routeStatus: 'not-routed', transmissionId });
    expect(plain.error).toBe('refused: the return is not signed (recipient cpam-75)');
    const [other] = await stored('ARL_LOT-42_other.p7m');
    expect(other).toMatchObject({ signature: 'valid', routeStatus: 'not-routed' });
    expect(other.error).toBe(
      'refused: signed by a certificate other than the one configured for this insurer (RETURNS_SIGNERS) (recipient cpam-75)',
    );
    const [unlinked] = await stored('ARL_LOT-99_unlinked.p7m');
    expect(unlinked).toMatchObject({ signature: 'valid', routeStatus: 'not-routed', transmissionId: null });
    expect(unlinked.error).toMatch(/^refused: the return matches no transmission/);
    expect(
      events
        .filter((e) => e.type === 'refused')
        .map((e) => e.refusal)
        .sort(),
    ).toEqual(['other-signer', 'unlinked', 'unsigned']);
  });

  it('never follows a symbolic link in the drop folder: not read, not stored, reported once', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'returns-outside-'));
    try {
      writeFileSync(join(outside, 'secret.p7m'), await insurerReturn('<arl lot="LOT-42" n="link"/>'));
      symlinkSync(join(outside, 'secret.p7m'), join(dir, 'ARL_LOT-42_link.p7m'));
      const refused: string[] = [];
      const p = poller(intake(), (name, reason) => refused.push(`${name}:${reason}`));
      expect(await p.runOnce()).toEqual({ handled: 0, failed: 0 });
      expect(await p.runOnce()).toEqual({ handled: 0, failed: 0 });
      expect(refused).toEqual(['ARL_LOT-42_link.p7m:symlink']);
      expect(await stored('ARL_LOT-42_link.p7m')).toEqual([]);
      // A file swapped for a link after the listing is refused by the open itself (O_NOFOLLOW).
      const source = new FileDropReturnsSource({ name: 'drop:cpam-75', directory: dir, acknowledge: 'move-to-done' });
      await expect(source.read({ name: 'ARL_LOT-42_link.p7m', size: 10, modifiedAt: new Date(0) })).rejects.toThrow(/symbolic link/);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  /** A second trusted seal certificate (same CA): trusted, valid, right purpose — just not the insurer's. */
  async function otherSigner(): Promise<KeyProvider> {
    return loadPkcs12File(pki.expiringSoon.p12Path, pki.p12Password);
  }
});
