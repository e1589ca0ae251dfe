/**
 * NOEMIE return files (ARL, RSP) — MODELLED, NOT CERTIFIED (layouts/noemie-returns.layouts.ts): read with the same
 * declaration-driven parser as B2, their 990 totals checked; and rendered (for the AMO simulator and tests) with the
 * 990 and 999 computed. A malformed line or an entity out of place throws a B2ParseError naming the line; totals
 * that do not match are violations (codes NOEMIE-TOTALS-…, NOEMIE-END-COUNT), since the file itself was readable.
 */
import { B2ParseError } from './b2-errors';
import { type ReadRecord, splitB2Lines } from './b2-file-reader';
import { type B2Record, type B2Values } from './b2-values';
import { type B2RuleViolation } from './invoice-rules';
import { type LayoutSet } from './layout-loader';
import { noemieLayouts } from './layouts';
import { parseRecord } from './record-parser';
import { writeRecord } from './record-writer';

export interface NoemieInvoiceOutcome {
  readonly outcome: ReadRecord;
  /** Reject or warning motives (210) that follow it. */
  readonly motives: readonly ReadRecord[];
}

export interface NoemieReading {
  readonly header: ReadRecord;
  readonly kind: 'ARL' | 'RSP';
  /** ARL: file acknowledgements (100); anomalies (110). */
  readonly acknowledgements: readonly ReadRecord[];
  readonly anomalies: readonly ReadRecord[];
  /** RSP: recipients (040), invoice outcomes (200 + 210), payments (220). */
  readonly recipients: readonly ReadRecord[];
  readonly invoices: readonly NoemieInvoiceOutcome[];
  readonly payments: readonly ReadRecord[];
  readonly totals: ReadRecord;
  readonly end: ReadRecord;
  readonly recordCount: number;
}

const ARL_ENTITIES = new Set(['100', '110']);
const RSP_ENTITIES = new Set(['040', '200', '210', '220']);

export function readNoemieFile(text: string, set: LayoutSet = noemieLayouts()): NoemieReading {
  const lines = splitB2Lines(text);
  if (lines.length === 0) throw new B2ParseError(1, undefined, undefined, 'empty file');
  const records = lines.map((l, i): ReadRecord => ({ ...parseRecord(set, l, i + 1), line: i + 1 }));
  const misplaced = (r: ReadRecord, detail: string): never => {
    throw new B2ParseError(r.line, r.code, undefined, detail);
  };
  const header = records[0];
  if (header.code !== '000') misplaced(header, 'a return file starts with its 000');
  const kind = header.values.fileKind;
  if (kind !== 'ARL' && kind !== 'RSP') throw new B2ParseError(1, '000', 'fileKind', 'must be ARL or RSP');
  const allowed = kind === 'ARL' ? ARL_ENTITIES : RSP_ENTITIES;
  const acknowledgements: ReadRecord[] = [];
  const anomalies: ReadRecord[] = [];
  const recipients: ReadRecord[] = [];
  const invoices: { outcome: ReadRecord; motives: ReadRecord[] }[] = [];
  const payments: ReadRecord[] = [];
  let totals: ReadRecord | undefined;
  let end: ReadRecord | undefined;
  for (const r of records.slice(1)) {
    if (end !== undefined) misplaced(r, 'comes after the 999');
    if (r.code === '999') {
      if (totals === undefined) misplaced(r, 'the 990 totals are missing');
      end = r;
      continue;
    }
    if (totals !== undefined) misplaced(r, 'comes after the 990 totals');
    if (r.code === '990') {
      totals = r;
      continue;
    }
    if (!allowed.has(r.code)) misplaced(r, `entity ${r.code} does not belong in an ${kind}`);
    switch (r.code) {
      case '100':
        acknowledgements.push(r);
        break;
      case '110':
        if (acknowledgements.length === 0) misplaced(r, 'an anomaly (110) follows the acknowledgement (100) it belongs to');
        anomalies.push(r);
        break;
      case '040':
        recipients.push(r);
        break;
      case '200':
        if (recipients.length === 0) misplaced(r, 'an invoice outcome (200) follows its recipient (040)');
        invoices.push({ outcome: r, motives: [] });
        break;
      case '210': {
        const last = invoices[invoices.length - 1];
        if (last === undefined) misplaced(r, 'a motive (210) follows the invoice outcome (200) it belongs to');
        else last.motives.push(r);
        break;
      }
      default:
        payments.push(r);
    }
  }
  if (end === undefined || totals === undefined) throw new B2ParseError(lines.length, undefined, undefined, 'the file has no 999 end');
  return { header, kind, acknowledgements, anomalies, recipients, invoices, payments, totals, end, recordCount: records.length };
}

/** What the 990 and 999 of a return file must say, from its entities. */
function computedTotals(body: readonly B2Record[]): { totals: B2Values; recordCount: number } {
  let invoiceCount = 0;
  let totalBilled = 0;
  let totalPaid = 0;
  for (const r of body) {
    if (r.code !== '200') continue;
    invoiceCount++;
    totalBilled += typeof r.values.billedAmount === 'number' ? r.values.billedAmount : 0;
    totalPaid += typeof r.values.paidAmount === 'number' ? r.values.paidAmount : 0;
  }
  return { totals: { entityCount: body.length, invoiceCount, totalBilled, totalPaid }, recordCount: body.length + 3 };
}

/** The 990 totals and the 999 count against the entities of the file. */
export function checkNoemieTotals(reading: NoemieReading): B2RuleViolation[] {
  const body = [
    ...reading.acknowledgements,
    ...reading.anomalies,
    ...reading.recipients,
    ...reading.invoices.flatMap((i) => [i.outcome, ...i.motives]),
    ...reading.payments,
  ];
  const { totals, recordCount } = computedTotals(body);
  const out: B2RuleViolation[] = [];
  for (const [name, want] of Object.entries(totals)) {
    if ((reading.totals.values[name] ?? 0) !== want) {
      out.push({
        code: `NOEMIE-TOTALS-${name}`,
        message: `990 of line ${reading.totals.line}: ${name} does not match the file`,
        recordType: '990',
        field: name,
      });
    }
  }
  if (reading.end.values.recordCount !== recordCount) {
    out.push({ code: 'NOEMIE-END-COUNT', message: '999: recordCount does not match the file', recordType: '999', field: 'recordCount' });
  }
  return out;
}

/** A whole return file: header, entities in order, then the 990 and 999 computed. */
export function renderNoemieFile(
  header: B2Values,
  body: readonly B2Record[],
  opts: { eol?: '\r\n' | '\n'; layouts?: LayoutSet } = {},
): string {
  const set = opts.layouts ?? noemieLayouts();
  const eol = opts.eol ?? '\r\n';
  const { totals, recordCount } = computedTotals(body);
  const lines = [
    writeRecord(set, '000', header),
    ...body.map((r) => writeRecord(set, r.code, r.values)),
    writeRecord(set, '990', totals),
    writeRecord(set, '999', { recordCount }),
  ];
  return lines.join(eol) + eol;
}
