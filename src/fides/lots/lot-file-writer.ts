/**
 * Writes one B2 file — for one (grand régime, caisse gestionnaire) — through the streaming B2FileWriter: file header,
 * lots of at most `maxInvoicesPerLot` invoices of one billing FINESS each, file trailer. Counts and totals of the
 * lot and file trailers are filled by the writer from the invoices (fields tagged `derive`).
 *
 * The file and lot envelope is MODELLED, NOT CERTIFIED (../b2/layouts/b2-envelope.layouts.ts, ../b2/LAYOUTS.md):
 * the values given here are the fields of that model; a certified declaration replaces it without touching this code
 * as long as it keeps the field names it shares.
 *
 * Lot numbers come from the caller's `nextLotNumber()`, asked once per lot actually started, in file order: the
 * gap-free, never-reused sequence per (emitter, recipient) lives with the caller (the database), which must number
 * and keep the lot's bytes in one step — a number asked for a file that then fails to be written is the caller's to
 * account for.
 */
import type { Writable } from 'node:stream';
import { B2FileWriter, b2FinessForm, type B2EndOfLine, type B2Invoice, type LayoutSet } from '../b2';
import type { LotRecipient } from './lot-recipient';

export interface LotFileEnvelope {
  /** FINESS juridique of the legal entity that emits the file. */
  readonly emitterId: string;
  /** File number per (emitter, recipient). */
  readonly fileNumber: string;
  /** YYYY-MM-DD (or AAMMJJ): written in the file and lot headers. */
  readonly creationDate: string;
  /** HHMM. */
  readonly creationTime: string;
  /** Norm and version of the invoice records, e.g. B22005E. */
  readonly normVersion: string;
  readonly testIndicator: 'T' | 'R';
  readonly softwareId?: string;
  /** A external consultations, S stays; left blank for a file that mixes them. */
  readonly lotKind?: 'A' | 'S';
}

export interface LotNumbering {
  /** At least 1. */
  readonly maxInvoicesPerLot: number;
  /** The next lot number of the (emitter, recipient) sequence: 1 to 3 digits, not zero. */
  readonly nextLotNumber: () => string | Promise<string>;
}

export interface WrittenLot {
  readonly lotNumber: string;
  /** Billing FINESS géographique of the lot, in its B2 form. */
  readonly partnerNumber: string;
  readonly invoiceNumbers: readonly string[];
}

export interface LotFileOptions {
  readonly eol?: B2EndOfLine;
  readonly layouts?: LayoutSet;
}

const head = (inv: B2Invoice): Readonly<Record<string, unknown>> => inv.records[0]?.values ?? {};

/** Invoices by billing FINESS (a lot header names one), in order of first appearance, then cut at `max`. */
export function planLots(invoices: readonly B2Invoice[], max: number): B2Invoice[][] {
  if (!Number.isInteger(max) || max < 1) throw new Error(`maxInvoicesPerLot must be a positive integer, got ${max}`);
  const byPartner = new Map<string, B2Invoice[]>();
  for (const inv of invoices) {
    const p = String(head(inv).partnerNumber);
    let list = byPartner.get(p);
    if (list === undefined) byPartner.set(p, (list = []));
    list.push(inv);
  }
  const lots: B2Invoice[][] = [];
  for (const list of byPartner.values()) for (let i = 0; i < list.length; i += max) lots.push(list.slice(i, i + max));
  return lots;
}

/** The centre all the invoices name, or undefined when they name several (it does not split files). */
function commonCentre(invoices: readonly B2Invoice[]): string | undefined {
  const centres = new Set(invoices.map((inv) => head(inv).managingCentre));
  const [only] = centres;
  return centres.size === 1 && typeof only === 'string' ? only : undefined;
}

/**
 * Writes the file to `out` and ends it. Rejects before writing anything when an invoice is not for `recipient`; when
 * `nextLotNumber()` gives a malformed number (the file is then incomplete: discard it); with the stream's error if
 * the stream fails.
 */
export async function writeLotFile(
  out: Writable,
  recipient: LotRecipient,
  envelope: LotFileEnvelope,
  invoices: readonly B2Invoice[],
  numbering: LotNumbering,
  options: LotFileOptions = {},
): Promise<WrittenLot[]> {
  for (const inv of invoices) {
    const h = head(inv);
    if (h.grandRegime !== recipient.grandRegime || h.managingFund !== recipient.managingFund)
      throw new Error(
        `invoice ${String(h.invoiceNumber)} is not for grand régime ${recipient.grandRegime}, caisse ${recipient.managingFund}`,
      );
  }
  const plan = planLots(invoices, numbering.maxInvoicesPerLot);
  const managingCentre = commonCentre(invoices);
  const writer = new B2FileWriter(out, options);
  await writer.startFile({
    emitterId: envelope.emitterId,
    grandRegime: recipient.grandRegime,
    managingFund: recipient.managingFund,
    managingCentre,
    fileNumber: envelope.fileNumber,
    creationDate: envelope.creationDate,
    creationTime: envelope.creationTime,
    normVersion: envelope.normVersion,
    testIndicator: envelope.testIndicator,
    softwareId: envelope.softwareId,
  });
  const written: WrittenLot[] = [];
  for (const lot of plan) {
    const lotNumber = await numbering.nextLotNumber();
    if (!/^\d{1,3}$/.test(lotNumber) || /^0+$/.test(lotNumber))
      throw new Error('nextLotNumber() gave a lot number that is not 1 to 3 digits, or zero');
    const partnerNumber = b2FinessForm(String(head(lot[0]).partnerNumber));
    await writer.startLot(lotNumber.padStart(3, '0'), {
      partnerNumber,
      grandRegime: recipient.grandRegime,
      managingFund: recipient.managingFund,
      managingCentre,
      creationDate: envelope.creationDate,
      lotKind: envelope.lotKind,
    });
    for (const inv of lot) await writer.writeInvoice(inv);
    await writer.endLot();
    written.push({
      lotNumber: lotNumber.padStart(3, '0'),
      partnerNumber,
      invoiceNumbers: lot.map((inv) => String(head(inv).invoiceNumber)),
    });
  }
  await writer.endFile();
  return written;
}
