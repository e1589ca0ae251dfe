/**
 * Reads a B2 file back into its structure — file header, lots, invoices (type 2 … type 5), trailers — with the
 * same declarations the writer uses. A malformed line or a record out of place throws a B2ParseError naming the
 * line (and record type and field when known). Counts and totals of the (modelled) envelope are checked by
 * checkEnvelope(), which returns violations rather than throwing: a file can be well formed and still wrong.
 *
 * Lines end with CRLF or LF (the writer's choice is CRLF, see b2-file-writer.ts); an end of line after the last
 * record is optional; an empty line elsewhere is an error.
 */
import { B2ParseError } from './b2-errors';
import { type B2Record } from './b2-values';
import { type DerivedQuantity } from './layout-declaration';
import { type LayoutSet } from './layout-loader';
import { type B2RuleViolation } from './invoice-rules';
import { b2Layouts } from './layouts';
import { parseRecord } from './record-parser';

export interface ReadRecord extends B2Record {
  /** 1-based line number in the file. */
  readonly line: number;
}

export interface ReadInvoice {
  readonly records: readonly ReadRecord[];
}

export interface ReadLot {
  readonly header: ReadRecord;
  readonly invoices: readonly ReadInvoice[];
  readonly trailer: ReadRecord;
}

export interface B2FileReading {
  readonly header: ReadRecord;
  readonly lots: readonly ReadLot[];
  readonly trailer: ReadRecord;
  readonly recordCount: number;
}

/** Splits file text into lines (CRLF or LF), dropping only the end of line after the last record. */
export function splitB2Lines(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l.endsWith('\r')) lines[i] = l.slice(0, -1);
  }
  return lines;
}

export function readB2File(text: string, set: LayoutSet = b2Layouts()): B2FileReading {
  return readB2Lines(splitB2Lines(text), set);
}

export function readB2Lines(lines: readonly string[], set: LayoutSet = b2Layouts()): B2FileReading {
  const { fileHeader, lotHeader, lotTrailer, fileTrailer } = set.roles;
  if (!fileHeader || !lotHeader || !lotTrailer || !fileTrailer) throw new Error('readB2Lines: the declarations give no complete envelope');
  let header: ReadRecord | undefined;
  let trailer: ReadRecord | undefined;
  const lots: ReadLot[] = [];
  let lot: { header: ReadRecord; invoices: ReadInvoice[] } | undefined;
  let invoice: ReadRecord[] | undefined;
  const misplaced = (r: ReadRecord, detail: string): never => {
    throw new B2ParseError(r.line, r.code, undefined, detail);
  };
  for (let i = 0; i < lines.length; i++) {
    const r: ReadRecord = { ...parseRecord(set, lines[i], i + 1), line: i + 1 };
    if (trailer !== undefined) misplaced(r, 'comes after the file trailer');
    if (header === undefined) {
      if (r.code !== fileHeader.code) misplaced(r, `a file starts with its header (record ${fileHeader.code})`);
      header = r;
      continue;
    }
    if (r.code === fileHeader.code) misplaced(r, 'a second file header');
    if (r.code === fileTrailer.code) {
      if (lot !== undefined) misplaced(r, `lot of line ${lot.header.line} has no trailer`);
      trailer = r;
    } else if (r.code === lotHeader.code) {
      if (lot !== undefined) misplaced(r, `lot of line ${lot.header.line} has no trailer`);
      lot = { header: r, invoices: [] };
    } else if (r.code === lotTrailer.code) {
      if (lot === undefined) misplaced(r, 'lot trailer outside a lot');
      else {
        if (invoice !== undefined) misplaced(r, `invoice of line ${invoice[0].line} has no type 5`);
        lots.push({ header: lot.header, invoices: lot.invoices, trailer: r });
        lot = undefined;
      }
    } else {
      if (lot === undefined) misplaced(r, 'invoice record outside a lot');
      if (r.code === '2') {
        if (invoice !== undefined) misplaced(r, `invoice of line ${invoice[0].line} has no type 5`);
        invoice = [r];
      } else {
        if (invoice === undefined) misplaced(r, 'invoice record before the type 2 of its invoice');
        else invoice.push(r);
        if (r.code === '5' && invoice !== undefined) {
          lot?.invoices.push({ records: invoice });
          invoice = undefined;
        }
      }
    }
  }
  if (header === undefined) throw new B2ParseError(1, undefined, undefined, 'empty file');
  if (trailer === undefined) throw new B2ParseError(lines.length, undefined, undefined, 'the file has no trailer');
  return { header, lots, trailer, recordCount: lines.length };
}

/**
 * Counts and totals of the lot and file trailers against what the file holds (fields tagged `derive`, modelled
 * envelope). Codes: B2-LOT-NUMBER, B2-LOT-COUNT, B2-LOT-TOTAL, B2-FILE-COUNT.
 */
export function checkEnvelope(reading: B2FileReading, set: LayoutSet = b2Layouts()): B2RuleViolation[] {
  const out: B2RuleViolation[] = [];
  const derivedFields = (code: string): { name: string; derive: DerivedQuantity }[] =>
    (set.records.get(code)?.fields ?? []).flatMap((f) => (f.derive !== undefined ? [{ name: f.name, derive: f.derive }] : []));
  const totalOf = (r: B2Record, which: 'billed' | 'amo'): number => {
    let n = 0;
    for (const f of set.records.get(r.code)?.fields ?? []) {
      const v = r.values[f.name];
      if (f.total === which && typeof v === 'number') n += v;
    }
    return n;
  };
  let invoices = 0;
  let records = 2;
  for (const lot of reading.lots) {
    const lotRecords = 2 + lot.invoices.reduce((n, inv) => n + inv.records.length, 0);
    const all = lot.invoices.flatMap((inv) => inv.records);
    const expected: Partial<Record<DerivedQuantity, string | number>> = {
      lotInvoiceCount: lot.invoices.length,
      lotRecordCount: lotRecords,
      lotTotalBilled: all.reduce((n, r) => n + totalOf(r, 'billed'), 0),
      lotTotalAmo: all.reduce((n, r) => n + totalOf(r, 'amo'), 0),
    };
    const headerLotNumber = derivedFields(lot.header.code).find((f) => f.derive === 'lotNumber');
    if (headerLotNumber !== undefined) expected.lotNumber = lot.header.values[headerLotNumber.name];
    for (const f of derivedFields(lot.trailer.code)) {
      const want = expected[f.derive] ?? 0;
      const got = lot.trailer.values[f.name] ?? (typeof want === 'number' ? 0 : undefined);
      if (got !== want) {
        let code = 'B2-LOT-COUNT';
        if (f.derive === 'lotNumber') code = 'B2-LOT-NUMBER';
        else if (f.derive.startsWith('lotTotal')) code = 'B2-LOT-TOTAL';
        out.push({
          code,
          message: `lot trailer of line ${lot.trailer.line}: ${f.name} does not match the lot`,
          recordType: lot.trailer.code,
          field: f.name,
        });
      }
    }
    invoices += lot.invoices.length;
    records += lotRecords;
  }
  const fileExpected: Partial<Record<DerivedQuantity, number>> = {
    fileLotCount: reading.lots.length,
    fileRecordCount: records,
    fileInvoiceCount: invoices,
  };
  for (const f of derivedFields(reading.trailer.code)) {
    if ((reading.trailer.values[f.name] ?? 0) !== (fileExpected[f.derive] ?? 0)) {
      out.push({
        code: 'B2-FILE-COUNT',
        message: `file trailer: ${f.name} does not match the file`,
        recordType: reading.trailer.code,
        field: f.name,
      });
    }
  }
  return out;
}
