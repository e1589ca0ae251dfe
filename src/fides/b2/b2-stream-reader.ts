/**
 * Reads a B2 file line by line, handing over each invoice as soon as its type 5 is read, so that a file of any size
 * is checked in constant memory (the AMO simulator reads 100,000-invoice lots this way). Same declarations, same
 * errors (B2ParseError naming the line) and same envelope checks as b2-file-reader.ts, made as the trailers come:
 * a lot trailer's and the file trailer's violations travel with their event.
 */
import { createInterface } from 'node:readline';
import { type Readable } from 'node:stream';
import { B2ParseError } from './b2-errors';
import { type ReadInvoice, type ReadRecord } from './b2-file-reader';
import { type B2RuleViolation } from './invoice-rules';
import { type CompiledRecord, type LayoutSet } from './layout-loader';
import { b2Layouts } from './layouts';
import { parseRecord } from './record-parser';

export type B2Event =
  | { readonly kind: 'fileHeader'; readonly record: ReadRecord }
  | { readonly kind: 'lotHeader'; readonly record: ReadRecord }
  | { readonly kind: 'invoice'; readonly invoice: ReadInvoice; readonly lotHeader: ReadRecord }
  | {
      readonly kind: 'lotTrailer';
      readonly record: ReadRecord;
      readonly lotHeader: ReadRecord;
      readonly violations: readonly B2RuleViolation[];
    }
  | { readonly kind: 'fileTrailer'; readonly record: ReadRecord; readonly violations: readonly B2RuleViolation[] };

/** Push lines in order; each may complete an event. Call end() after the last line. */
export class B2LineReader {
  private line = 0;
  private header: ReadRecord | undefined;
  private trailer: ReadRecord | undefined;
  private lotHeader: ReadRecord | undefined;
  private invoice: ReadRecord[] | undefined;
  private lot = { invoices: 0, records: 0, billed: 0, amo: 0 };
  private file = { lots: 0, invoices: 0, records: 0 };
  private readonly roles: Record<'fileHeader' | 'lotHeader' | 'lotTrailer' | 'fileTrailer', CompiledRecord>;

  constructor(private readonly set: LayoutSet = b2Layouts()) {
    const { fileHeader, lotHeader, lotTrailer, fileTrailer } = set.roles;
    if (!fileHeader || !lotHeader || !lotTrailer || !fileTrailer)
      throw new Error('B2LineReader: the declarations give no complete envelope');
    this.roles = { fileHeader, lotHeader, lotTrailer, fileTrailer };
  }

  push(text: string): B2Event | undefined {
    this.line++;
    const r: ReadRecord = { ...parseRecord(this.set, text, this.line), line: this.line };
    const misplaced = (detail: string): never => {
      throw new B2ParseError(r.line, r.code, undefined, detail);
    };
    const { fileHeader, lotHeader, lotTrailer, fileTrailer } = this.roles;
    if (this.trailer !== undefined) misplaced('comes after the file trailer');
    if (this.header === undefined) {
      if (r.code !== fileHeader.code) misplaced(`a file starts with its header (record ${fileHeader.code})`);
      this.header = r;
      return { kind: 'fileHeader', record: r };
    }
    if (r.code === fileHeader.code) misplaced('a second file header');
    if (r.code === fileTrailer.code) {
      if (this.lotHeader !== undefined) misplaced(`lot of line ${this.lotHeader.line} has no trailer`);
      this.trailer = r;
      return { kind: 'fileTrailer', record: r, violations: this.fileViolations(r) };
    }
    if (r.code === lotHeader.code) {
      if (this.lotHeader !== undefined) misplaced(`lot of line ${this.lotHeader.line} has no trailer`);
      this.lotHeader = r;
      this.lot = { invoices: 0, records: 1, billed: 0, amo: 0 };
      return { kind: 'lotHeader', record: r };
    }
    const lot = this.lotHeader;
    if (r.code === lotTrailer.code) {
      if (lot === undefined) return misplaced('lot trailer outside a lot');
      if (this.invoice !== undefined) misplaced(`invoice of line ${this.invoice[0].line} has no type 5`);
      this.lot.records++;
      const violations = this.lotViolations(lot, r);
      this.file.lots++;
      this.file.invoices += this.lot.invoices;
      this.file.records += this.lot.records;
      this.lotHeader = undefined;
      return { kind: 'lotTrailer', record: r, lotHeader: lot, violations };
    }
    if (lot === undefined) return misplaced('invoice record outside a lot');
    if (r.code === '2') {
      if (this.invoice !== undefined) misplaced(`invoice of line ${this.invoice[0].line} has no type 5`);
      this.invoice = [r];
    } else if (this.invoice === undefined) {
      misplaced('invoice record before the type 2 of its invoice');
    } else {
      this.invoice.push(r);
    }
    this.lot.records++;
    for (const f of this.set.records.get(r.code)?.totals ?? []) {
      const v = r.values[f.name];
      if (typeof v !== 'number') continue;
      if (f.total === 'billed') this.lot.billed += v;
      else this.lot.amo += v;
    }
    if (r.code !== '5' || this.invoice === undefined) return undefined;
    const invoice = { records: this.invoice };
    this.invoice = undefined;
    this.lot.invoices++;
    return { kind: 'invoice', invoice, lotHeader: lot };
  }

  /** Throws when the file stopped before its trailer. */
  end(): void {
    if (this.header === undefined) throw new B2ParseError(1, undefined, undefined, 'empty file');
    if (this.trailer === undefined) throw new B2ParseError(this.line, undefined, undefined, 'the file has no trailer');
  }

  private lotViolations(header: ReadRecord, trailer: ReadRecord): B2RuleViolation[] {
    const out: B2RuleViolation[] = [];
    const headerLotNumber = this.roles.lotHeader.fields.find((f) => f.derive === 'lotNumber');
    for (const f of this.roles.lotTrailer.fields) {
      if (f.derive === undefined) continue;
      let want: string | number | undefined;
      let code = 'B2-LOT-COUNT';
      switch (f.derive) {
        case 'lotNumber':
          want = headerLotNumber !== undefined ? header.values[headerLotNumber.name] : undefined;
          code = 'B2-LOT-NUMBER';
          break;
        case 'lotInvoiceCount':
          want = this.lot.invoices;
          break;
        case 'lotRecordCount':
          want = this.lot.records;
          break;
        case 'lotTotalBilled':
          want = this.lot.billed;
          code = 'B2-LOT-TOTAL';
          break;
        case 'lotTotalAmo':
          want = this.lot.amo;
          code = 'B2-LOT-TOTAL';
          break;
        default:
          want = 0;
      }
      const got = trailer.values[f.name] ?? (typeof want === 'number' ? 0 : undefined);
      if (got !== want)
        out.push({
          code,
          message: `lot trailer of line ${trailer.line}: ${f.name} does not match the lot`,
          recordType: trailer.code,
          field: f.name,
        });
    }
    return out;
  }

  private fileViolations(trailer: ReadRecord): B2RuleViolation[] {
    const expected: Record<string, number> = {
      fileLotCount: this.file.lots,
      fileRecordCount: this.file.records + 2,
      fileInvoiceCount: this.file.invoices,
    };
    const out: B2RuleViolation[] = [];
    for (const f of this.roles.fileTrailer.fields) {
      if (f.derive === undefined) continue;
      if ((trailer.values[f.name] ?? 0) !== (expected[f.derive] ?? 0)) {
        out.push({
          code: 'B2-FILE-COUNT',
          message: `file trailer: ${f.name} does not match the file`,
          recordType: trailer.code,
          field: f.name,
        });
      }
    }
    return out;
  }
}

/** Events of a B2 file read from a stream (CRLF or LF), one line at a time. */
export async function* readB2Stream(input: Readable, set: LayoutSet = b2Layouts()): AsyncGenerator<B2Event> {
  const reader = new B2LineReader(set);
  // crlfDelay: a CR and its LF arriving in two chunks still make one end of line.
  const lines = createInterface({ input, crlfDelay: Infinity });
  for await (const line of lines) {
    const event = reader.push(line);
    if (event !== undefined) yield event;
  }
  reader.end();
}
