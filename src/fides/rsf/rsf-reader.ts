/**
 * Reads an ATIH RSF file as invoices, streaming: each invoice (an A header and the B/C/H/M/L/P lines after it) is
 * handed over as soon as the next A starts, so a 100 MB month is read in the memory of one invoice.
 *
 * Grouping: ATIH's format links every line to its header by the entry number (NUMENT) and, since 2022, the invoice
 * number (NUMFACT); GAP exports write each header followed by its lines. A line belongs to the header before it, and
 * a line whose entry or invoice number differs from that header's is an error of that invoice (`wrong-invoice`),
 * never silently moved elsewhere. Lines before the first header are file errors (`orphan-line`).
 *
 * Errors are collected per invoice: a bad invoice is refused with all its problems, the others are accepted. The
 * counts say how many invoices were read, accepted and refused.
 */
import { rsfError, type RsfError } from './rsf-errors';
import { type RsfLayout, rsfLayout } from './rsf-layout';
import { rsfLines } from './rsf-lines';
import { parseRsfLine, type RsfRecord } from './rsf-record-parser';

/** B2 invoices hold 1–999 lines; a few RSF lines may become more than one B2 line. Beyond this, lines are dropped. */
export const RSF_MAX_LINES_PER_INVOICE = 2000;
/** Problems kept per invoice (and at file level); the count of those beyond is kept. */
export const RSF_MAX_ERRORS_KEPT = 100;

/**
 * What ties a line to its header: the entry and invoice numbers the format links by, and the site and insured person
 * every line repeats (a line for another patient under this invoice number is a GAP error worth stopping).
 */
const LINKS = ['entryNumber', 'invoiceNumber', 'geographicFiness', 'insuredNir'] as const;

export interface RsfInvoice {
  /** Line of its A header. */
  readonly line: number;
  readonly entryNumber?: string;
  readonly invoiceNumber?: string;
  /** Undefined when the A line could not be read at all. */
  readonly header?: RsfRecord;
  readonly lines: readonly RsfRecord[];
  readonly errors: readonly RsfError[];
  /** Problems beyond RSF_MAX_ERRORS_KEPT. */
  readonly moreErrors: number;
  readonly accepted: boolean;
}

export interface RsfCounts {
  readonly lines: number;
  readonly invoicesRead: number;
  readonly accepted: number;
  readonly refused: number;
  /** Problems outside any invoice (lines before the first header). */
  readonly fileErrors: number;
}

export type RsfEvent =
  | { readonly kind: 'invoice'; readonly invoice: RsfInvoice }
  | { readonly kind: 'fileError'; readonly error: RsfError }
  | { readonly kind: 'end'; readonly counts: RsfCounts };

interface OpenInvoice {
  line: number;
  header?: RsfRecord;
  entryNumber?: string;
  invoiceNumber?: string;
  lines: RsfRecord[];
  errors: RsfError[];
  moreErrors: number;
  dropped: boolean;
}

/** Push-based core: feed lines in order, collect the events. readRsf wraps it over a stream. */
export class RsfInvoiceReader {
  private open: OpenInvoice | undefined;
  private readonly counts = { lines: 0, invoicesRead: 0, accepted: 0, refused: 0, fileErrors: 0 };

  constructor(private readonly layout: RsfLayout = rsfLayout()) {}

  /** The longest line worth keeping, in bytes (UTF-8 may take two bytes per ISO-8859-1 character). */
  get maxLineBytes(): number {
    return this.layout.maxLength * 2 + 2;
  }

  push(lineNumber: number, text: string, truncated = false): RsfEvent[] {
    this.counts.lines++;
    const events: RsfEvent[] = [];
    const parsed = parseRsfLine(this.layout, text, lineNumber);
    const record = parsed.record;
    const errors = [...parsed.errors];
    if (truncated && !errors.some((e) => e.problem === 'long-line')) {
      errors.push(rsfError(lineNumber, 'long-line', 'is longer than any declared record', record?.type));
    }
    if (record?.type === 'A') {
      const closed = this.close();
      if (closed) events.push(closed);
      this.open = {
        line: lineNumber,
        header: record,
        entryNumber: stringValue(record, 'entryNumber'),
        invoiceNumber: stringValue(record, 'invoiceNumber'),
        lines: [],
        errors: [],
        moreErrors: 0,
        dropped: false,
      };
      this.note(errors);
      return events;
    }
    const inv = this.open;
    if (inv === undefined) {
      const orphan = [
        rsfError(lineNumber, 'orphan-line', 'comes before any invoice header (record A)', record?.type),
        ...errors.filter((e) => e.problem === 'unknown-record'),
      ];
      for (const error of orphan) {
        this.counts.fileErrors++;
        events.push({ kind: 'fileError', error });
      }
      return events;
    }
    this.note(errors);
    if (record === undefined) return events;
    for (const link of LINKS) {
      const mine = stringValue(record, link);
      const theirs = inv.header === undefined ? undefined : stringValue(inv.header, link);
      if (mine !== undefined && theirs !== undefined && mine !== theirs) {
        this.note([rsfError(lineNumber, 'wrong-invoice', `${link} differs from the invoice header's at line ${inv.line}`, record.type)]);
      }
    }
    if (inv.lines.length < RSF_MAX_LINES_PER_INVOICE) inv.lines.push(record);
    else if (!inv.dropped) {
      inv.dropped = true;
      this.note([rsfError(lineNumber, 'too-many-lines', `the invoice has more than ${RSF_MAX_LINES_PER_INVOICE} lines`, record.type)]);
    }
    return events;
  }

  /** After the last line: the last invoice and the counts. */
  end(): RsfEvent[] {
    const events: RsfEvent[] = [];
    const closed = this.close();
    if (closed) events.push(closed);
    events.push({ kind: 'end', counts: { ...this.counts } });
    return events;
  }

  private note(errors: readonly RsfError[]): void {
    const inv = this.open;
    if (inv === undefined) return;
    for (const e of errors) {
      if (inv.errors.length < RSF_MAX_ERRORS_KEPT) inv.errors.push(e);
      else inv.moreErrors++;
    }
  }

  private close(): RsfEvent | undefined {
    const inv = this.open;
    if (inv === undefined) return undefined;
    this.open = undefined;
    const accepted = inv.errors.length === 0;
    this.counts.invoicesRead++;
    if (accepted) this.counts.accepted++;
    else this.counts.refused++;
    const { line, header, entryNumber, invoiceNumber, lines, errors, moreErrors } = inv;
    return { kind: 'invoice', invoice: { line, header, entryNumber, invoiceNumber, lines, errors, moreErrors, accepted } };
  }
}

function stringValue(record: RsfRecord, name: string): string | undefined {
  const v = record.values[name];
  return v === undefined ? undefined : String(v);
}

export interface ReadRsfOptions {
  /** PMSI year of the file: picks that year's layout (or the latest before it). Default: the latest declared. */
  readonly year?: number;
}

/** RSF bytes (a file or request stream, or chunks) → invoices as they complete, file errors, then the counts. */
export async function* readRsf(
  source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  options: ReadRsfOptions = {},
): AsyncGenerator<RsfEvent> {
  const reader = new RsfInvoiceReader(rsfLayout(options.year));
  for await (const line of rsfLines(source, reader.maxLineBytes)) {
    yield* reader.push(line.number, line.text, line.truncated);
  }
  yield* reader.end();
}
