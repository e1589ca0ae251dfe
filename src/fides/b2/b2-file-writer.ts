/**
 * Streams a B2 file — file header, lots (lot header, invoices, lot trailer), file trailer — to a Writable without
 * building the file in memory: records are rendered per invoice, gathered in chunks of ~64 KiB and written with
 * back-pressure. An invoice that cannot be written (B2WriteError) leaves nothing of itself in the file.
 *
 * The envelope records are found by role in the declarations and their counts and totals are filled from the
 * fields tagged `derive` — the envelope is MODELLED, NOT CERTIFIED (layouts/b2-envelope.layouts.ts): a certified
 * editor replaces that declaration without touching this code.
 *
 * End of line (modelled): CRLF by default — the files travel as e-mail attachments, whose canonical text form is
 * CRLF, and the norm's tooling is DOS-era; LF on request. The reader (b2-file-reader.ts) accepts both. Every record,
 * the last included, ends with the end of line. Bytes are ASCII only (the writer refuses anything else).
 */
import { once } from 'node:events';
import { type Writable } from 'node:stream';
import { B2WriteError } from './b2-errors';
import { type B2Invoice, type B2Values } from './b2-values';
import { type DerivedQuantity, type EnvelopeRole } from './layout-declaration';
import { type CompiledRecord, type LayoutSet } from './layout-loader';
import { b2Layouts } from './layouts';
import { writeRecord } from './record-writer';

export type B2EndOfLine = '\r\n' | '\n';

export interface B2FileWriterOptions {
  readonly eol?: B2EndOfLine;
  readonly layouts?: LayoutSet;
  /** Characters gathered before a write to the stream. */
  readonly chunkSize?: number;
}

type State = 'new' | 'file' | 'lot' | 'ended';

export class B2FileWriter {
  private readonly eol: B2EndOfLine;
  private readonly set: LayoutSet;
  private readonly chunkSize: number;
  private buffer = '';
  private state: State = 'new';
  private lotNumber = '';
  /** Header values a trailer repeats when it has a field of the same name (partner number, emitter…). */
  private fileHeaderValues: B2Values = {};
  private lotHeaderValues: B2Values = {};
  private lot = { invoices: 0, records: 0, billed: 0, amo: 0 };
  private file = { lots: 0, records: 0, invoices: 0 };

  constructor(
    private readonly out: Writable,
    options: B2FileWriterOptions = {},
  ) {
    this.eol = options.eol ?? '\r\n';
    this.set = options.layouts ?? b2Layouts();
    this.chunkSize = options.chunkSize ?? 64 * 1024;
  }

  async startFile(values: B2Values): Promise<void> {
    this.expect('new', 'startFile');
    this.put(this.envelope('fileHeader', values));
    this.fileHeaderValues = values;
    this.state = 'file';
    await this.maybeFlush();
  }

  /** `lotNumber` fills every field tagged `derive: 'lotNumber'` (lot header and trailer). */
  async startLot(lotNumber: string, values: B2Values): Promise<void> {
    this.expect('file', 'startLot');
    this.lotNumber = lotNumber;
    this.lot = { invoices: 0, records: 0, billed: 0, amo: 0 };
    this.put(this.envelope('lotHeader', values));
    this.lotHeaderValues = values;
    this.lot.records++;
    this.state = 'lot';
    await this.maybeFlush();
  }

  /** Renders the whole invoice first: a B2WriteError leaves the file as it was. */
  async writeInvoice(invoice: B2Invoice): Promise<void> {
    this.expect('lot', 'writeInvoice');
    const invoiceNumber = invoice.records[0]?.values.invoiceNumber;
    const inv = typeof invoiceNumber === 'string' ? invoiceNumber : undefined;
    let text = '';
    let billed = 0;
    let amo = 0;
    for (const r of invoice.records) {
      text += writeRecord(this.set, r.code, r.values, inv) + this.eol;
      const rec = this.set.records.get(r.code);
      if (rec?.role !== undefined) throw new B2WriteError(r.code, undefined, inv, 'unknown-record', 'an envelope record inside an invoice');
      for (const f of rec?.fields ?? []) {
        if (f.total === undefined) continue;
        const v = r.values[f.name];
        const n = typeof v === 'number' ? v : 0;
        if (f.total === 'billed') billed += n;
        else amo += n;
      }
    }
    this.buffer += text;
    this.lot.invoices++;
    this.lot.records += invoice.records.length;
    this.lot.billed += billed;
    this.lot.amo += amo;
    if (this.buffer.length >= this.chunkSize) await this.flush();
  }

  async endLot(values: B2Values = {}): Promise<void> {
    this.expect('lot', 'endLot');
    this.lot.records++;
    this.put(this.envelope('lotTrailer', values, this.lotHeaderValues));
    this.file.lots++;
    this.file.invoices += this.lot.invoices;
    this.file.records += this.lot.records;
    this.state = 'file';
    await this.maybeFlush();
  }

  /** Writes the file trailer, flushes, ends the stream and waits until it has finished. */
  async endFile(values: B2Values = {}): Promise<void> {
    this.expect('file', 'endFile');
    this.put(this.envelope('fileTrailer', values, this.fileHeaderValues));
    this.state = 'ended';
    await this.flush();
    this.out.end();
    if (!this.out.writableFinished) await once(this.out, 'finish');
  }

  private derived(q: DerivedQuantity): string | number {
    switch (q) {
      case 'lotNumber':
        return this.lotNumber;
      case 'lotInvoiceCount':
        return this.lot.invoices;
      case 'lotRecordCount':
        return this.lot.records;
      case 'lotTotalBilled':
        return this.lot.billed;
      case 'lotTotalAmo':
        return this.lot.amo;
      case 'fileLotCount':
        return this.file.lots;
      // The file header and trailer count themselves (see layouts/b2-envelope.layouts.ts).
      case 'fileRecordCount':
        return this.file.records + 2;
      case 'fileInvoiceCount':
        return this.file.invoices;
    }
  }

  private envelope(role: EnvelopeRole, values: B2Values, header: B2Values = {}): string {
    const rec: CompiledRecord | undefined = this.set.roles[role];
    if (rec === undefined) throw new B2WriteError(role, undefined, undefined, 'unknown-record', `no declaration has the role ${role}`);
    const all: Record<string, string | number | undefined> = {};
    for (const f of rec.fields) if (f.constant === undefined && header[f.name] !== undefined) all[f.name] = header[f.name];
    Object.assign(all, values);
    for (const f of rec.fields) if (f.derive !== undefined) all[f.name] = this.derived(f.derive);
    return writeRecord(this.set, rec.code, all);
  }

  private put(line: string): void {
    this.buffer += line + this.eol;
  }

  private expect(state: State, call: string): void {
    if (this.state !== state) throw new Error(`B2FileWriter.${call}() called in state ${this.state}`);
  }

  private async maybeFlush(): Promise<void> {
    if (this.buffer.length >= this.chunkSize) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.buffer === '') return;
    const chunk = this.buffer;
    this.buffer = '';
    if (!this.out.write(chunk, 'latin1')) await once(this.out, 'drain');
  }
}
