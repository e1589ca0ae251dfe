/**
 * The AMO simulator as a real server: lots built with the lots code, sealed and encrypted like the gateway does with
 * the test PKI, sent with the real SmtpChannel (or dropped in its folder); the ARL and RSP files it drops are opened
 * with src/transport/cms + src/signing and read with readNoemieFile.
 */
import { mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NoemieReading, checkNoemieTotals, readNoemieFile } from '../../src/fides/b2';
import { CertificateChecker, loadPem, parseCertificate, parseCertificates, signCms, verifyCms } from '../../src/signing';
import { makeTestNir } from '../../src/simulators/cdri/simulated-patients';
import { AmoSimulator } from '../../src/simulators/amo/amo-simulator';
import { SmtpChannel } from '../../src/transport/channels/smtp.channel';
import { decryptCms, encryptCms } from '../../src/transport/cms';
import { aceInvoice, lotFileText, lotRefOf, sealAndEncrypt, type LotFileSpec, type PemKey } from '../support/amo-lots';
import { getTestPki } from '../support/test-pki';
import { waitFor } from '../support/wait-for';

const pki = getTestPki();
const EMITTER = pki.finessJuridique;
const nir = (order: number, dept = '75'): string => makeTestNir({ order, dept });

describe('AMO simulator (real SMTP server, sealed and encrypted returns)', () => {
  let sim: AmoSimulator;
  let channel: SmtpChannel;
  let returnsDir: string;
  let dropDir: string;
  let fileNumber = 0;

  beforeAll(async () => {
    returnsDir = await mkdtemp(join(tmpdir(), 'amo-returns-'));
    dropDir = await mkdtemp(join(tmpdir(), 'amo-drop-'));
    sim = new AmoSimulator({
      decryption: { keyPem: pki.recipient.keyPem, certPem: pki.recipient.certPem },
      signing: { keyPem: pki.insurerSeal.keyPem, certPem: pki.insurerSeal.certPem, chainPem: pki.insurerSeal.chainPem },
      trustStorePem: pki.trustStorePem,
      returnRecipientCertPem: pki.hospitalDecryption.certPem,
      returnsDir,
      arlDelayMs: 50,
      rspDelayMs: 100,
      dropDir,
      dropPollMs: 50,
      duplicatePollMs: 50,
    });
    const { smtpPort } = await sim.start();
    channel = new SmtpChannel({ host: '127.0.0.1', port: smtpPort, security: 'insecure-plaintext', from: 'facturation@ch-test.fr' });
  });

  afterAll(async () => {
    await channel.close();
    await sim.stop();
    await rm(returnsDir, { recursive: true, force: true });
    await rm(dropDir, { recursive: true, force: true });
  });

  const nextSpec = (over: Partial<LotFileSpec> = {}): LotFileSpec => ({
    emitterId: EMITTER,
    fileNumber: String(++fileNumber).padStart(6, '0'),
    ...over,
  });

  const seal: PemKey = pki.seal;

  async function send(lotRef: string, content: Buffer, signer: PemKey | null = seal): Promise<void> {
    const bytes = await sealAndEncrypt(content, {
      seal: signer ?? undefined,
      recipientCertPem: pki.recipient.certPem,
      recipientChainPem: pki.recipient.chainPem,
      trustStorePem: pki.trustStorePem,
    });
    await channel.send({
      lotId: lotRef,
      attemptId: `${lotRef}-a1`,
      idempotencyKey: lotRef,
      fileName: `${lotRef}.p7m`,
      content: bytes,
      contentType: 'application/pkcs7-mime; smime-type=enveloped-data',
      recipient: 'fides@cpam-test.fr',
    });
  }

  /** Decrypts with the hospital's key, verifies the AMO's seal, reads the NOEMIE file and checks its totals. */
  async function openReturn(fileName: string): Promise<NoemieReading> {
    const bytes = await waitFor(`${fileName} in the returns folder`, () => readFile(join(returnsDir, fileName)).catch(() => undefined));
    const hospital = loadPem({ certificate: pki.hospitalDecryption.certPem, privateKey: pki.hospitalDecryption.keyPem });
    const signed = (await decryptCms(bytes, { keyProviders: hospital })).content;
    const verified = await verifyCms(signed, { trustStore: pki.trustStorePem, now: new Date() });
    expect(verified.signer.subjectCn).toBe('CPAM TEST ORG SIGN');
    const reading = readNoemieFile(verified.content.toString('latin1'));
    expect(checkNoemieTotals(reading)).toEqual([]);
    return reading;
  }

  const present = async (name: string): Promise<boolean> => (await readdir(returnsDir)).includes(name);

  it('acknowledges a lot (positive ARL) then pays or rejects each invoice by the payment rules (RSP)', async () => {
    const spec = nextSpec();
    const lotRef = lotRefOf(spec);
    const invoices = [
      aceInvoice({ invoiceNumber: '260000101', nir: nir(1), rate: 70, unitPrice: 3000 }), // open → paid 2100
      aceInvoice({ invoiceNumber: '260000102', nir: nir(400) }), // closed rights → rejected
      aceInvoice({ invoiceNumber: '260000103', nir: nir(900) }), // unknown patient → rejected
      aceInvoice({ invoiceNumber: '260000104', nir: nir(1, '69') }), // patient of caisse 691 → wrong caisse
      aceInvoice({ invoiceNumber: '260000105', nir: nir(450), rate: 70, unitPrice: 3000 }), // ALD → 100 % of the base
    ];
    await send(lotRef, Buffer.from(await lotFileText(spec, invoices), 'latin1'));

    const arl = await openReturn(`ARL_${lotRef}.p7m`);
    expect(arl.kind).toBe('ARL');
    expect(arl.header.values).toMatchObject({ emitterRegime: '01', emitterFund: '751', recipientId: EMITTER });
    expect(arl.acknowledgements).toHaveLength(1);
    expect(arl.acknowledgements[0].values).toMatchObject({
      status: 'P',
      fileNumber: spec.fileNumber,
      fileEmitterId: EMITTER,
      lotCount: 1,
      invoiceCount: 5,
    });
    expect(arl.anomalies).toEqual([]);

    const rsp = await openReturn(`RSP_${lotRef}.p7m`);
    expect(rsp.kind).toBe('RSP');
    expect(rsp.recipients.map((r) => r.values.partnerNumber)).toEqual(['990000010']);
    const byNumber = new Map(rsp.invoices.map((i) => [i.outcome.values.invoiceNumber, i]));
    const outcome = (n: string) => byNumber.get(n)?.outcome.values;
    const motive = (n: string) => byNumber.get(n)?.motives[0]?.values;
    expect(outcome('260000101')).toMatchObject({ outcome: 'P', lotNumber: '001', billedAmount: 2100, paidAmount: 2100 });
    expect(outcome('260000102')).toMatchObject({ outcome: 'R', billedAmount: 2100 });
    expect(outcome('260000102')?.paidAmount).toBeUndefined();
    expect(motive('260000102')).toMatchObject({ anomalyCode: 'DF001', comment: 'DROITS FERMES A LA DATE DES SOINS' });
    expect(motive('260000103')).toMatchObject({ anomalyCode: 'BI002' });
    expect(motive('260000104')).toMatchObject({ anomalyCode: 'CG003' });
    expect(outcome('260000105')).toMatchObject({ outcome: 'S', billedAmount: 2100, paidAmount: 3000 });
    expect(motive('260000105')).toMatchObject({ anomalyCode: 'SG101' });

    expect(rsp.payments).toHaveLength(1);
    const payment = rsp.payments[0].values;
    expect(payment).toMatchObject({ amount: 5100, invoiceCount: 2 });
    expect(outcome('260000101')?.paymentReference).toBe(payment.paymentReference);
    expect(outcome('260000105')?.paymentReference).toBe(payment.paymentReference);
    expect(rsp.totals.values).toMatchObject({ invoiceCount: 5, totalBilled: 5 * 2100, totalPaid: 5100 });

    expect(sim.lot(lotRef)).toMatchObject({ arl: 'P', arlWritten: true, rspWritten: true });
    expect(sim.lot(lotRef)?.invoices?.map((i) => i.outcome)).toEqual(['P', 'R', 'R', 'R', 'S']);
    expect(sim.stats().returnErrors).toBe(0);
  });

  it('answers an unsigned lot with a negative ARL (signing is mandatory) and no RSP', async () => {
    const spec = nextSpec();
    const lotRef = lotRefOf(spec);
    await send(lotRef, Buffer.from(await lotFileText(spec, [aceInvoice({ invoiceNumber: '260000201', nir: nir(1) })]), 'latin1'), null); // no seal
    const arl = await openReturn(`ARL_${lotRef}.p7m`);
    expect(arl.acknowledgements[0].values).toMatchObject({
      status: 'N',
      reasonCode: 'SIGN',
      fileNumber: spec.fileNumber,
      fileEmitterId: EMITTER,
    });
    await sim.idle();
    expect(await present(`RSP_${lotRef}.p7m`)).toBe(false);
    expect(sim.lot(lotRef)).toMatchObject({ arl: 'N', arlReason: 'SIGN', rspWritten: false });
  });

  it('answers a lot sealed by an untrusted certificate with a negative ARL', async () => {
    const spec = nextSpec();
    const lotRef = lotRefOf(spec);
    const text = await lotFileText(spec, [aceInvoice({ invoiceNumber: '260000301', nir: nir(1) })]);
    // The untrusted seal chains to a root the gateway's checker does not trust either: sign it by hand.
    const u = pki.untrusted;
    const signer = loadPem({ certificate: u.certPem, privateKey: u.keyPem, chain: u.chainPem });
    const signed = await signCms(Buffer.from(text, 'latin1'), {
      signer,
      checker: new CertificateChecker({ trustStore: pki.rogueCa.certPem }),
      now: new Date(),
    });
    const bytes = (
      await encryptCms(signed.cms, {
        recipient: parseCertificate(pki.recipient.certPem),
        recipientChain: parseCertificates(pki.recipient.chainPem),
        checker: new CertificateChecker({ trustStore: pki.trustStorePem }),
        now: new Date(),
      })
    ).cms;
    await sim.receiveFile(`${lotRef}.p7m`, bytes);
    const arl = await openReturn(`ARL_${lotRef}.p7m`);
    expect(arl.acknowledgements[0].values).toMatchObject({ status: 'N', reasonCode: 'CERT' });
  });

  it('answers a malformed B2 with a negative ARL whose 110 names line, record type and field', async () => {
    const spec = nextSpec();
    const lotRef = lotRefOf(spec);
    const lines = (await lotFileText(spec, [aceInvoice({ invoiceNumber: '260000401', nir: nir(1) })])).split('\r\n');
    const act = lines.findIndex((l) => l.startsWith('4') && l.slice(75, 80).trim() === 'CS');
    // Unit price (type 4, positions 91-97) made non-numeric.
    lines[act] = lines[act].slice(0, 90) + 'ABCDEFG' + lines[act].slice(97);
    await send(lotRef, Buffer.from(lines.join('\r\n'), 'latin1'));
    const arl = await openReturn(`ARL_${lotRef}.p7m`);
    expect(arl.acknowledgements[0].values).toMatchObject({ status: 'N', reasonCode: 'STRU' });
    expect(arl.anomalies).toHaveLength(1);
    expect(arl.anomalies[0].values).toMatchObject({ line: act + 1, recordType: '4', fieldName: 'UNITPRICE', reasonCode: 'L001' });
    expect(sim.lot(lotRef)?.anomalies).toEqual([{ line: act + 1, recordType: '4', fieldName: 'unitPrice' }]);
  });

  it('refuses a file that names more than one caisse', async () => {
    const spec = nextSpec();
    const lotRef = lotRefOf(spec);
    const lines = (
      await lotFileText(spec, [
        aceInvoice({ invoiceNumber: '260000501', nir: nir(1) }),
        aceInvoice({ invoiceNumber: '260000502', nir: nir(2) }),
      ])
    ).split('\r\n');
    const second = lines.findIndex((l) => l.startsWith('2') && l.slice(29, 38) === '260000502');
    lines[second] = lines[second].slice(0, 50) + '691' + lines[second].slice(53); // managingFund of its type 2
    await send(lotRef, Buffer.from(lines.join('\r\n'), 'latin1'));
    const arl = await openReturn(`ARL_${lotRef}.p7m`);
    expect(arl.acknowledgements[0].values).toMatchObject({ status: 'N', reasonCode: 'CAIS' });
    expect(arl.anomalies.map((a) => a.values)).toEqual([
      expect.objectContaining({ line: second + 1, lotNumber: '001', recordType: '2', fieldName: 'MANAGINGFUND', reasonCode: 'L003' }),
    ]);
  });

  it('faults: refuseFile → negative ARL and no RSP; loseArl → no ARL but the RSP; a repeat is answered once', async () => {
    const refused = nextSpec();
    const lost = nextSpec();
    sim.injectFaults(lotRefOf(refused), { refuseFile: true });
    sim.injectFaults(lotRefOf(lost), { loseArl: true });
    const before = sim.stats();
    for (const spec of [refused, lost]) {
      const text = await lotFileText(spec, [aceInvoice({ invoiceNumber: `2600006${spec.fileNumber.slice(-2)}`, nir: nir(1) })]);
      await send(lotRefOf(spec), Buffer.from(text, 'latin1'));
      if (spec === lost) await send(lotRefOf(spec), Buffer.from(text, 'latin1')); // the outbox repeating after a crash
    }
    const arl = await openReturn(`ARL_${lotRefOf(refused)}.p7m`);
    expect(arl.acknowledgements[0].values).toMatchObject({ status: 'N', reasonCode: 'REFU' });
    const rsp = await openReturn(`RSP_${lotRefOf(lost)}.p7m`);
    expect(rsp.invoices.map((i) => i.outcome.values.outcome)).toEqual(['P']);
    await sim.idle();
    expect(await present(`RSP_${lotRefOf(refused)}.p7m`)).toBe(false);
    expect(await present(`ARL_${lotRefOf(lost)}.p7m`)).toBe(false);
    const after = sim.stats();
    expect(after.filesReceived - before.filesReceived).toBe(3);
    expect(after.duplicatesReceived - before.duplicatesReceived).toBe(1);
    expect(after.arlLost - before.arlLost).toBe(1);
    expect(after.arlWritten - before.arlWritten).toBe(1);
    expect(after.rspWritten - before.rspWritten).toBe(1);
  });

  it('faults: duplicateReturn drops the same RSP file again once the first was consumed', async () => {
    const spec = nextSpec();
    const lotRef = lotRefOf(spec);
    sim.injectFaults(lotRef, { duplicateReturn: true });
    await send(lotRef, Buffer.from(await lotFileText(spec, [aceInvoice({ invoiceNumber: '260000701', nir: nir(1) })]), 'latin1'));
    const name = `RSP_${lotRef}.p7m`;
    await openReturn(name);
    const first = await readFile(join(returnsDir, name));
    const consumed = join(returnsDir, '..', `consumed-${name}`);
    await rename(join(returnsDir, name), consumed); // what the returns poller does
    const again = await waitFor('the duplicate RSP', () => readFile(join(returnsDir, name)).catch(() => undefined));
    expect(again.equals(first)).toBe(true);
    await sim.idle();
    expect(sim.stats().duplicatesWritten).toBeGreaterThanOrEqual(1);
    await rm(consumed, { force: true });
  });

  it('processes a file refused by a negative ARL again when it is resent (per-lot faults fire once)', async () => {
    const spec = nextSpec();
    const lotRef = lotRefOf(spec);
    sim.injectFaults(lotRef, { refuseFile: true });
    const content = Buffer.from(await lotFileText(spec, [aceInvoice({ invoiceNumber: '260000901', nir: nir(1) })]), 'latin1');
    await send(lotRef, content);
    const name = `ARL_${lotRef}.p7m`;
    expect((await openReturn(name)).acknowledgements[0].values).toMatchObject({ status: 'N', reasonCode: 'REFU' });
    await rm(join(returnsDir, name)); // consumed by the poller
    await send(lotRef, content);
    expect((await openReturn(name)).acknowledgements[0].values).toMatchObject({ status: 'P' });
    expect((await openReturn(`RSP_${lotRef}.p7m`)).invoices).toHaveLength(1);
  });

  it('refuses at construction a return recipient certificate that cannot be encrypted to', () => {
    expect(
      () =>
        new AmoSimulator({
          decryption: { keyPem: pki.recipient.keyPem, certPem: pki.recipient.certPem },
          signing: { keyPem: pki.insurerSeal.keyPem, certPem: pki.insurerSeal.certPem },
          trustStorePem: pki.trustStorePem,
          returnRecipientCertPem: pki.seal.certPem, // a seal: no keyEncipherment
          returnsDir,
        }),
    ).toThrow(/keyEncipherment/);
  });

  it('takes lots from its drop folder too (file-drop channel naming <key>__<lotRef>.p7m)', async () => {
    const spec = nextSpec();
    const lotRef = lotRefOf(spec);
    const text = await lotFileText(spec, [aceInvoice({ invoiceNumber: '260000801', nir: nir(1) })]);
    const bytes = await sealAndEncrypt(Buffer.from(text, 'latin1'), {
      seal,
      recipientCertPem: pki.recipient.certPem,
      recipientChainPem: pki.recipient.chainPem,
      trustStorePem: pki.trustStorePem,
    });
    await writeFile(join(dropDir, `${lotRef}.part`), bytes);
    await rename(join(dropDir, `${lotRef}.part`), join(dropDir, `key-${spec.fileNumber}__${lotRef}.p7m`));
    const arl = await openReturn(`ARL_${lotRef}.p7m`);
    expect(arl.acknowledgements[0].values).toMatchObject({ status: 'P', invoiceCount: 1 });
  });
});
