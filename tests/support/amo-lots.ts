/**
 * Test-only B2 lots for the AMO simulator: one-act ACE invoices (type 2, 2S, 4, 4S, 5) for chosen TEST NIRs — the
 * NIR's numéro d'ordre picks the CDRi simulator's scenario (simulated-patients.ts) — written as one lot file with
 * the lots code (writeLotFile), and sealed + encrypted like the gateway does (signCms, then encryptCms).
 */
import { PassThrough } from 'node:stream';
import { type B2Invoice, type B2Record, type B2Values, invoiceTrailer } from '../../src/fides/b2';
import { writeLotFile } from '../../src/fides/lots';
import { CertificateChecker, loadPem, parseCertificate, parseCertificates, signCms } from '../../src/signing';
import { encryptCms } from '../../src/transport/cms';

export const AMO_TEST_FINESS_GEO = '990000010';

export interface AceInvoiceSpec {
  invoiceNumber: string;
  /** 15 characters, key included (makeTestNir). */
  nir: string;
  grandRegime?: string;
  managingFund?: string;
  /** Billed rate and unit price (cents) of the single act. */
  rate?: number;
  unitPrice?: number;
  careDate?: string;
  exemptionJustification?: string;
}

/** One ACE consultation invoice for `spec.nir`, AMO amount = unitPrice × rate %. */
export function aceInvoice(spec: AceInvoiceSpec): B2Invoice {
  const rate = spec.rate ?? 70;
  const unitPrice = spec.unitPrice ?? 3000;
  const careDate = spec.careDate ?? '2026-11-20';
  const identity: B2Values = {
    partnerNumber: AMO_TEST_FINESS_GEO,
    insuredNir: spec.nir.slice(0, 13),
    insuredNirKey: spec.nir.slice(13),
    beneficiaryRank: '000',
    invoiceNumber: spec.invoiceNumber,
  };
  const noRank = { ...identity, beneficiaryRank: undefined };
  const records: B2Record[] = [
    {
      code: '2',
      values: {
        ...identity,
        entryNumber: '000012345',
        grandRegime: spec.grandRegime ?? '01',
        managingFund: spec.managingFund ?? '751',
        managingCentre: '0001',
        rightsProofNature: '1',
        insuranceNature: '10',
        exemptionJustification: spec.exemptionJustification ?? '0',
        hospitalisationDate: careDate,
        birthDate: '1980-01-15',
        entryDate: careDate,
        exitDate: careDate,
        exitHour: '11',
        contractType: '00',
      },
    },
    {
      code: '2S',
      values: { ...identity, titleComplement: '000100', beneficiaryNir: spec.nir.slice(0, 13), beneficiaryNirKey: spec.nir.slice(13) },
    },
    {
      code: '4',
      values: {
        ...identity,
        prescriberNumber: AMO_TEST_FINESS_GEO,
        executantNumber: AMO_TEST_FINESS_GEO,
        careDate,
        actCode: 'CS',
        quantity: 1,
        coefficient: 100,
        count: 1,
        unitPrice,
        reimbursementBase: unitPrice,
        rate,
        amoAmount: Math.round((unitPrice * rate) / 100),
        feesAmount: unitPrice,
      },
    },
    { code: '4S', values: { ...noRank, priorAgreementCode: '0', activityDomain: 'C' } },
  ];
  return { records: [...records, invoiceTrailer(records[0].values, records)] };
}

export interface LotFileSpec {
  emitterId: string;
  grandRegime?: string;
  managingFund?: string;
  fileNumber: string;
  /** Default 100 (lots numbered 001, 002…). */
  maxInvoicesPerLot?: number;
}

/** Lot reference of the contract: `B2-<emitterId>-<grandRegime><managingFund>-<fileNumber>`. */
export function lotRefOf(spec: LotFileSpec): string {
  return `B2-${spec.emitterId}-${spec.grandRegime ?? '01'}${spec.managingFund ?? '751'}-${spec.fileNumber}`;
}

/** The B2 file (latin1 text) of `invoices`, in lots numbered from 001. */
export async function lotFileText(spec: LotFileSpec, invoices: readonly B2Invoice[]): Promise<string> {
  let lotNumber = 0;
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await writeLotFile(
    out,
    { grandRegime: spec.grandRegime ?? '01', managingFund: spec.managingFund ?? '751' },
    {
      emitterId: spec.emitterId,
      fileNumber: spec.fileNumber,
      creationDate: '2026-12-01',
      creationTime: '0730',
      normVersion: 'B22005E',
      testIndicator: 'T',
      softwareId: 'PASSERELLE',
    },
    invoices,
    { maxInvoicesPerLot: spec.maxInvoicesPerLot ?? 100, nextLotNumber: () => String(++lotNumber) },
  );
  return Buffer.concat(chunks).toString('latin1');
}

export interface PemKey {
  certPem: string;
  keyPem: string;
  chainPem?: string;
}

/** Seals `content` with `seal` (omitted: unsigned) and encrypts it to `recipientCertPem`, as the gateway does. */
export async function sealAndEncrypt(
  content: Buffer,
  opts: { seal?: PemKey; recipientCertPem: string; recipientChainPem?: string; trustStorePem: string; now?: Date },
): Promise<Buffer> {
  const now = opts.now ?? new Date();
  const checker = new CertificateChecker({ trustStore: opts.trustStorePem });
  let inner = content;
  if (opts.seal) {
    const signer = loadPem({ certificate: opts.seal.certPem, privateKey: opts.seal.keyPem, chain: opts.seal.chainPem });
    inner = (await signCms(content, { signer, checker, now })).cms;
  }
  const recipientChain = opts.recipientChainPem ? parseCertificates(opts.recipientChainPem) : [];
  return (await encryptCms(inner, { recipient: parseCertificate(opts.recipientCertPem), recipientChain, checker, now })).cms;
}
