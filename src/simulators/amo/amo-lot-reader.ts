/**
 * What the simulated AMO does with a received lot before answering: decrypt it with its own key, verify the seal
 * (signing is mandatory: unsigned or badly signed → negative ARL), read the B2 with the same declarations as the
 * writer (a malformed line → negative ARL whose 110 names line, record type and field), check the envelope's counts
 * and that the file names one (grand régime, caisse gestionnaire) throughout. The lot reference travels in the file
 * name (`<lotRef>.p7m`, CONTRACTS.md); it also lets a file that cannot be opened be acknowledged.
 */
import { CertificateError, CmsError, type CertificateChecker, type KeyProvider, verifyCms } from '../../signing';
import { decryptCms } from '../../transport/cms';
import { B2ParseError, type B2FileReading, checkEnvelope, readB2File } from '../../fides/b2';
import { ARL_ANOMALIES, ARL_REASONS, type ArlReason } from './amo-return-codes';

/** Parts of a lot reference `B2-<emitterId 9>-<grandRegime 2><managingFund 3>-<fileNumber 6>`. */
export interface LotRefParts {
  readonly emitterId: string;
  readonly grandRegime: string;
  readonly managingFund: string;
  readonly fileNumber: string;
}

const LOT_REF = /^B2-(\d{9})-(\d{2})(\d{3})-(\d{6})$/;

export function parseLotRef(lotRef: string): LotRefParts | undefined {
  const m = LOT_REF.exec(lotRef);
  return m ? { emitterId: m[1], grandRegime: m[2], managingFund: m[3], fileNumber: m[4] } : undefined;
}

/** One 110 line of a negative ARL (no value of the file is ever quoted: names only). */
export interface ArlAnomaly {
  readonly line: number;
  readonly lotNumber?: string;
  readonly recordType: string;
  readonly fieldName?: string;
  readonly code: string;
  readonly comment: string;
}

export type LotReading =
  | { readonly ok: true; readonly reading: B2FileReading }
  | { readonly ok: false; readonly reason: ArlReason; readonly anomalies: readonly ArlAnomaly[]; readonly reading?: B2FileReading };

export interface LotReaderKeys {
  readonly decryption: KeyProvider;
  /** Trust store of the hospitals' seals. */
  readonly sealChecker: CertificateChecker;
}

/** Decrypts, verifies and reads one received lot file. */
export async function readReceivedLot(bytes: Uint8Array, keys: LotReaderKeys, now: Date): Promise<LotReading> {
  let signed: Buffer;
  try {
    signed = (await decryptCms(bytes, { keyProviders: keys.decryption })).content;
  } catch {
    return { ok: false, reason: ARL_REASONS.undecryptable, anomalies: [] };
  }
  let content: Buffer;
  try {
    content = (await verifyCms(signed, { trustStore: keys.sealChecker, now, purpose: 'seal' })).content;
  } catch (err) {
    if (err instanceof CertificateError) return { ok: false, reason: ARL_REASONS.untrustedSigner, anomalies: [] };
    if (err instanceof CmsError) return { ok: false, reason: ARL_REASONS.unsigned, anomalies: [] };
    throw err;
  }
  let reading: B2FileReading;
  try {
    reading = readB2File(content.toString('latin1'));
  } catch (err) {
    if (!(err instanceof B2ParseError)) throw err;
    const anomaly: ArlAnomaly = {
      line: err.line,
      recordType: err.recordType ?? '',
      fieldName: err.field,
      code: ARL_ANOMALIES.unreadable,
      comment: err.detail,
    };
    return { ok: false, reason: ARL_REASONS.malformed, anomalies: [anomaly] };
  }
  const envelope = checkEnvelope(reading).map((v): ArlAnomaly => ({
    line: lineOf(reading, v.recordType),
    recordType: v.recordType ?? '',
    fieldName: v.field,
    code: ARL_ANOMALIES.envelope,
    comment: v.message,
  }));
  if (envelope.length > 0) return { ok: false, reason: ARL_REASONS.envelope, anomalies: envelope, reading };
  const otherFunds = fundAnomalies(reading);
  if (otherFunds.length > 0) return { ok: false, reason: ARL_REASONS.severalFunds, anomalies: otherFunds, reading };
  return { ok: true, reading };
}

/** Line of the trailer an envelope violation is about (the file trailer, or the first lot trailer). */
function lineOf(reading: B2FileReading, recordType: string | undefined): number {
  if (recordType === reading.trailer.code) return reading.trailer.line;
  return reading.lots[0]?.trailer.line ?? reading.trailer.line;
}

/** Lot headers and invoices (type 2) naming another caisse than the file header [public: one caisse per file]. */
function fundAnomalies(reading: B2FileReading): ArlAnomaly[] {
  const { grandRegime, managingFund } = reading.header.values;
  const out: ArlAnomaly[] = [];
  for (const lot of reading.lots) {
    const lotNumber = typeof lot.header.values.lotNumber === 'string' ? lot.header.values.lotNumber : undefined;
    const records = [lot.header, ...lot.invoices.map((i) => i.records[0])];
    for (const r of records) {
      let field: string;
      if (r.values.grandRegime !== grandRegime) field = 'grandRegime';
      else if (r.values.managingFund !== managingFund) field = 'managingFund';
      else continue;
      out.push({
        line: r.line,
        lotNumber,
        recordType: r.code,
        fieldName: field,
        code: ARL_ANOMALIES.otherFund,
        comment: 'names another caisse than the file header',
      });
    }
  }
  return out;
}
