/**
 * Streams a B2 file — file header, lots (lot header, invoices, lot trailer), file trailer — to a Writable without
 * building the file in memory: records are encoded straight into a byte chunk of ~64 KiB, written with
 * back-pressure when full. An invoice that cannot be written (B2WriteError) leaves nothing of itself in the file:
 * it is rendered whole into the chunk before the chunk can be written, and dropped from it on error.
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
import { type CompiledField, type CompiledRecord, type LayoutSet } from './layout-loader';
import { b2Layouts } from './layouts';
import { writeRecordInto } from './record-writer';

export type B2EndOfLine = '\r\n' | '\n';

export interface B2FileWriterOptions {
  readonly eol?: B2EndOfLine;
  readonly layouts?: LayoutSet;
  /** Bytes gathered before a write to the stream. */
  readonly chunkSize?: number;
}

type State = 'new' | 'file' | 'lot' | 'ended';

const SETTLED: Promise<void> = Promise.resolve();
const NO_FIELDS: readonly CompiledField[] = [];

export class B2FileWriter {
  private readonly eol: B2EndOfLine;
  private readonly set: LayoutSet;
  private readonly chunkSize: number;
  private readonly eolBytes: Buffer;
  private readonly lineBytes: number;
  private chunk: Buffer;
  private pos = 0;
  private state: State = 'new';
  private lotNumber = '';
  /** Header values a trailer repeats when it has a field of the same name (partner number, emitter…). */
  private fileHeaderValues: B2Values = {};
  /** The stream's error, once it has failed: every later call rethrows it. */
  private failed: Error | undefined;
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
    this.eolBytes = Buffer.from(this.eol, 'latin1');
    this.lineBytes = this.set.recordLength + this.eolBytes.length;
    this.chunk = Buffer.allocUnsafe(Math.max(this.chunkSize, this.lineBytes));
    // Kept, not thrown from an event: the next call (or the pending drain/finish wait) reports it to the caller.
    out.on('error', (err: Error) => {
      this.failed ??= err;
    });
  }

  async startFile(values: B2Values): Promise<void> {
    this.expect('new', 'startFile');
    await this.put(this.envelope('fileHeader', values));
    this.fileHeaderValues = values;
    this.state = 'file';
  }

  /** `lotNumber` fills every field tagged `derive: 'lotNumber'` (lot header and trailer). */
  async startLot(lotNumber: string, values: B2Values): Promise<void> {
    this.expect('file', 'startLot');
    this.lotNumber = lotNumber;
    this.lot = { invoices: 0, records: 0, billed: 0, amo: 0 };
    await this.put(this.envelope('lotHeader', values));
    this.lotHeaderValues = values;
    this.lot.records++;
    this.state = 'lot';
  }

  /**
   * Renders the whole invoice first: a B2WriteError leaves the file as it was. Returns a promise to await before
   * the next call (settled at once unless the chunk had to be handed to a busy stream).
   */
  writeInvoice(invoice: B2Invoice): Promise<void> {
    try {
      this.expect('lot', 'writeInvoice');
      const need = invoice.records.length * this.lineBytes;
      if (this.pos + need > this.chunk.length) return this.flush(need).then(() => this.render(invoice));
      this.render(invoice);
      return SETTLED;
    } catch (err) {
      // Errors come back the same way whether or not the chunk had to be flushed: as a rejection.
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private render(invoice: B2Invoice): void {
    const records = invoice.records;
    const invoiceNumber = records[0]?.values.invoiceNumber;
    const inv = typeof invoiceNumber === 'string' ? invoiceNumber : undefined;
    const start = this.pos;
    const chunk = this.chunk;
    const eol = this.eolBytes;
    let pos = start;
    let billed = 0;
    let amo = 0;
    try {
      for (const r of records) {
        const rec = this.set.records.get(r.code);
        if (rec?.role !== undefined)
          throw new B2WriteError(r.code, undefined, inv, 'unknown-record', 'an envelope record inside an invoice');
        writeRecordInto(this.set, r.code, r.values, inv, chunk, pos);
        pos += this.set.recordLength;
        for (let i = 0; i < eol.length; i++) chunk[pos++] = eol[i];
        for (const f of rec?.totals ?? NO_FIELDS) {
          const v = r.values[f.name];
          const n = typeof v === 'number' ? v : 0;
          if (f.total === 'billed') billed += n;
          else amo += n;
        }
      }
    } catch (err) {
      this.pos = start;
      throw err;
    }
    this.pos = pos;
    this.lot.invoices++;
    this.lot.records += records.length;
    this.lot.billed += billed;
    this.lot.amo += amo;
  }

  async endLot(values: B2Values = {}): Promise<void> {
    this.expect('lot', 'endLot');
    this.lot.records++;
    await this.put(this.envelope('lotTrailer', values, this.lotHeaderValues));
    this.file.lots++;
    this.file.invoices += this.lot.invoices;
    this.file.records += this.lot.records;
    this.state = 'file';
  }

  /** Writes the file trailer, flushes, ends the stream and waits until it has finished. */
  async endFile(values: B2Values = {}): Promise<void> {
    this.expect('file', 'endFile');
    await this.put(this.envelope('fileTrailer', values, this.fileHeaderValues));
    this.state = 'ended';
    await this.flush(0);
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

  private envelope(role: EnvelopeRole, values: B2Values, header: B2Values = {}): { code: string; values: B2Values } {
    const rec: CompiledRecord | undefined = this.set.roles[role];
    if (rec === undefined) throw new B2WriteError(role, undefined, undefined, 'unknown-record', `no declaration has the role ${role}`);
    const all: Record<string, string | number | undefined> = {};
    for (const f of rec.fields) if (f.constant === undefined && header[f.name] !== undefined) all[f.name] = header[f.name];
    Object.assign(all, values);
    for (const f of rec.fields) if (f.derive !== undefined) all[f.name] = this.derived(f.derive);
    return { code: rec.code, values: all };
  }

  private async put(record: { code: string; values: B2Values }): Promise<void> {
    if (this.pos + this.lineBytes > this.chunk.length) await this.flush(this.lineBytes);
    writeRecordInto(this.set, record.code, record.values, undefined, this.chunk, this.pos);
    this.pos += this.set.recordLength;
    this.pos += this.eolBytes.copy(this.chunk, this.pos);
  }

  private expect(state: State, call: string): void {
    if (this.failed !== undefined) throw this.failed;
    if (this.state !== state) throw new Error(`B2FileWriter.${call}() called in state ${this.state}`);
  }

  /** Hands the filled part of the chunk to the stream (which keeps it) and starts a new chunk with room for `need`. */
  private async flush(need: number): Promise<void> {
    if (this.pos > 0) {
      const filled = this.chunk.subarray(0, this.pos);
      this.chunk = Buffer.allocUnsafe(Math.max(this.chunkSize, need));
      this.pos = 0;
      if (!this.out.write(filled)) await once(this.out, 'drain');
    } else if (this.chunk.length < need) {
      this.chunk = Buffer.allocUnsafe(need);
    }
  }
}
