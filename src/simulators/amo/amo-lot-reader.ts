/**
 * What the simulated AMO does with a received lot before answering: decrypt it with its own key, verify the seal
 * (signing is mandatory: unsigned or badly signed → negative ARL), read the B2 line by line with the same
 * declarations as the writer (a malformed line → negative ARL whose 110 names line, record type and field), check
 * the envelope's counts and that the file names one (grand régime, caisse gestionnaire) throughout. The lot reference
 * travels in the file name (`<lotRef>.p7m`, CONTRACTS.md); it also lets a file that cannot be opened be acknowledged.
 */
import { CertificateError, CmsError, type CertificateChecker, type KeyProvider, verifyCms } from '../../signing';
import { decryptCms } from '../../transport/cms';
import { B2LineReader, B2ParseError, type B2RuleViolation, type B2Values, type ReadInvoice, type ReadRecord } from '../../fides/b2';
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

/** What the answers need of a file once read: its header and counts (invoices are handed over one by one). */
export interface LotSummary {
  readonly header: B2Values;
  readonly lotCount: number;
  readonly invoiceCount: number;
}

export type LotReading =
  | { readonly ok: true; readonly summary: LotSummary }
  | { readonly ok: false; readonly reason: ArlReason; readonly anomalies: readonly ArlAnomaly[]; readonly summary?: LotSummary };

export interface LotReaderKeys {
  readonly decryption: KeyProvider;
  /** Trust store of the hospitals' seals. */
  readonly sealChecker: CertificateChecker;
}

/** Called for each invoice of a file found sound so far (a file refused later discards what it was given). */
export type InvoiceSink = (invoice: ReadInvoice, lotHeader: ReadRecord) => void;

/** Decrypts, verifies and reads one received lot file, handing its invoices to `onInvoice` as they are read. */
export async function readReceivedLot(bytes: Uint8Array, keys: LotReaderKeys, now: Date, onInvoice: InvoiceSink): Promise<LotReading> {
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
  return readB2Content(content, onInvoice);
}

/**
 * Reads the B2 line by line (B2LineReader: constant memory whatever the number of invoices), checking the envelope
 * counts as the trailers come and that every lot and invoice names the file header's caisse.
 */
export function readB2Content(content: Buffer, onInvoice: InvoiceSink): LotReading {
  const reader = new B2LineReader();
  let header: B2Values | undefined;
  let lotCount = 0;
  let invoiceCount = 0;
  const envelope: ArlAnomaly[] = [];
  const funds: ArlAnomaly[] = [];
  const summary = (): LotSummary | undefined => (header ? { header, lotCount, invoiceCount } : undefined);
  const otherFund = (r: ReadRecord, lotHeader: ReadRecord): void => {
    if (header === undefined) return;
    let field: string;
    if (r.values.grandRegime !== header.grandRegime) field = 'grandRegime';
    else if (r.values.managingFund !== header.managingFund) field = 'managingFund';
    else return;
    funds.push({
      line: r.line,
      lotNumber: lotNumberOf(lotHeader),
      recordType: r.code,
      fieldName: field,
      code: ARL_ANOMALIES.otherFund,
      comment: 'names another caisse than the file header',
    });
  };
  const violations = (record: ReadRecord, list: readonly B2RuleViolation[], lotHeader?: ReadRecord): void => {
    for (const v of list) {
      envelope.push({
        line: record.line,
        lotNumber: lotHeader ? lotNumberOf(lotHeader) : undefined,
        recordType: v.recordType ?? record.code,
        fieldName: v.field,
        code: ARL_ANOMALIES.envelope,
        comment: v.message,
      });
    }
  };
  try {
    for (const line of linesOf(content)) {
      const e = reader.push(line);
      if (e === undefined) continue;
      switch (e.kind) {
        case 'fileHeader':
          header = e.record.values;
          break;
        case 'lotHeader':
          lotCount++;
          otherFund(e.record, e.record);
          break;
        case 'invoice':
          invoiceCount++;
          otherFund(e.invoice.records[0], e.lotHeader);
          if (envelope.length === 0 && funds.length === 0) onInvoice(e.invoice, e.lotHeader);
          break;
        case 'lotTrailer':
          violations(e.record, e.violations, e.lotHeader);
          break;
        case 'fileTrailer':
          violations(e.record, e.violations);
          break;
      }
    }
    reader.end();
  } catch (err) {
    if (!(err instanceof B2ParseError)) throw err;
    const anomaly: ArlAnomaly = {
      line: err.line,
      recordType: err.recordType ?? '',
      fieldName: err.field,
      code: ARL_ANOMALIES.unreadable,
      comment: err.detail,
    };
    return { ok: false, reason: ARL_REASONS.malformed, anomalies: [anomaly], summary: summary() };
  }
  const done = summary() as LotSummary; // reader.end() threw if there was no header
  if (envelope.length > 0) return { ok: false, reason: ARL_REASONS.envelope, anomalies: envelope, summary: done };
  if (funds.length > 0) return { ok: false, reason: ARL_REASONS.severalFunds, anomalies: funds, summary: done };
  return { ok: true, summary: done };
}

const lotNumberOf = (lotHeader: ReadRecord): string | undefined =>
  typeof lotHeader.values.lotNumber === 'string' ? lotHeader.values.lotNumber : undefined;

/** Lines of a latin1 buffer (CRLF or LF; no line after a final end of line), one string at a time. */
function* linesOf(buf: Buffer): Generator<string> {
  let start = 0;
  while (start < buf.length) {
    let end = buf.indexOf(0x0a, start);
    if (end < 0) end = buf.length;
    const stop = end > start && buf[end - 1] === 0x0d ? end - 1 : end;
    yield buf.toString('latin1', start, stop);
    start = end + 1;
  }
}
