/**
 * Every error kind of the RSF reader: each names line, record type and field, never the value, and a bad invoice
 * never blocks the others.
 */
import { computeNirKey } from '../../identifiers';
import type { RsfError } from './rsf-errors';
import { RSF_MAX_ERRORS_KEPT, RSF_MAX_LINES_PER_INVOICE, readRsf, type RsfCounts, type RsfInvoice } from './rsf-reader';
import { rsfTestLine, type RsfTestValues } from './rsf-lines.test-support';

const NIR = '1850799123456';
const link = (n: number): RsfTestValues => ({
  epmsiFiness: '990000010',
  geographicFiness: '990000028',
  insuredNir: NIR,
  insuredNirKey: computeNirKey(NIR),
  entryNumber: String(260100000 + n),
  invoiceNumber: String(n).padStart(9, '0'),
});
const header = (n: number, extra: RsfTestValues = {}): string =>
  rsfTestLine('A', { ...link(n), beneficiaryRank: '000', birthDate: '1985-07-14', entryDate: '2026-01-05', ...extra });
const fee = (n: number, extra: RsfTestValues = {}): string =>
  rsfTestLine('C', { ...link(n), careDate: '2026-01-06', actCode: 'G', quantity: 1, unitPrice: 3000, ...extra });

async function read(lines: readonly string[]): Promise<{ invoices: RsfInvoice[]; fileErrors: RsfError[]; counts: RsfCounts }> {
  const invoices: RsfInvoice[] = [];
  const fileErrors: RsfError[] = [];
  let counts: RsfCounts | undefined;
  for await (const e of readRsf([lines.join('\n') + '\n'])) {
    if (e.kind === 'invoice') invoices.push(e.invoice);
    else if (e.kind === 'fileError') fileErrors.push(e.error);
    else counts = e.counts;
  }
  if (counts === undefined) throw new Error('no end event');
  return { invoices, fileErrors, counts };
}

/** Replaces `text` at 1-based `position` of `line`. */
const patch = (line: string, position: number, text: string): string =>
  line.slice(0, position - 1) + text + line.slice(position - 1 + text.length);

const shape = (e: RsfError): unknown => ({ line: e.line, recordType: e.recordType, field: e.field, problem: e.problem });

describe('readRsf errors', () => {
  it('refuses only the bad invoice and counts read/accepted/refused', async () => {
    const { invoices, counts } = await read([header(1), fee(1), header(2), patch(fee(2), 83, '0X1'), header(3), fee(3)]);
    expect(counts).toEqual({ lines: 6, invoicesRead: 3, accepted: 2, refused: 1, fileErrors: 0 });
    expect(invoices.map((i) => i.accepted)).toEqual([true, false, true]);
    expect(invoices[1].errors.map(shape)).toEqual([{ line: 4, recordType: 'C', field: 'quantity', problem: 'not-numeric' }]);
    expect(invoices[1].errors[0].message).toBe('RSF line 4, record C, field quantity (QUANT): is not numeric');
  });

  it('reports an unknown record type inside an invoice, and an orphan line before any header', async () => {
    const { invoices, fileErrors, counts } = await read([fee(9), header(1), 'Z' + ' '.repeat(40), fee(1)]);
    expect(fileErrors.map(shape)).toEqual([{ line: 1, recordType: 'C', field: undefined, problem: 'orphan-line' }]);
    expect(invoices[0].errors.map(shape)).toEqual([{ line: 3, recordType: undefined, field: undefined, problem: 'unknown-record' }]);
    expect(invoices[0].errors[0].message).toContain('first character is not a declared record type (A, B, C, H, L, M, P)');
    expect(counts).toMatchObject({ invoicesRead: 1, refused: 1, fileErrors: 1 });
  });

  it('reports short and long lines with both lengths', async () => {
    const { invoices } = await read([header(1), fee(1).slice(0, 150), header(2), fee(2) + '   ']);
    expect(invoices[0].errors.map(shape)).toEqual([{ line: 2, recordType: 'C', field: undefined, problem: 'short-line' }]);
    expect(invoices[0].errors[0].message).toBe('RSF line 2, record C: has 150 characters, a record C has 161');
    expect(invoices[1].errors.map(shape)).toEqual([{ line: 4, recordType: 'C', field: undefined, problem: 'long-line' }]);
  });

  it('reports impossible dates and non-numeric dates, naming the field but not the value', async () => {
    const bad = header(1, { birthDate: '1985-07-14' }).replace('14071985', '31021985');
    const { invoices } = await read([bad, patch(fee(1), 70, '06O12026')]);
    expect(invoices[0].errors.map(shape)).toEqual([
      { line: 1, recordType: 'A', field: 'birthDate', problem: 'bad-date' },
      { line: 2, recordType: 'C', field: 'careDate', problem: 'not-numeric' },
    ]);
    for (const e of invoices[0].errors) {
      expect(e.message).not.toContain('31021985');
      expect(e.message).not.toContain('1985');
      expect(e.message).not.toContain(NIR);
    }
    expect(invoices[0].errors[0].atih).toBe('DATNAIS');
  });

  it('reports a blank mandatory field and a non-numeric NIR key', async () => {
    const { invoices } = await read([patch(header(1), 22, ' '.repeat(13)), patch(fee(1), 33, 'XX')]);
    expect(invoices[0].errors.map(shape)).toEqual([
      { line: 1, recordType: 'A', field: 'insuredNir', problem: 'missing' },
      { line: 2, recordType: 'C', field: 'insuredNirKey', problem: 'not-numeric' },
    ]);
  });

  it('refuses a line whose entry or invoice number is not its header’s', async () => {
    const other = '2920175123123';
    const { invoices } = await read([
      header(1),
      fee(1, { entryNumber: '260199999' }),
      fee(1, { invoiceNumber: '000000002' }),
      fee(1, { insuredNir: other, insuredNirKey: computeNirKey(other) }),
      fee(1),
    ]);
    expect(invoices[0].errors.map(shape)).toEqual([
      { line: 2, recordType: 'C', field: undefined, problem: 'wrong-invoice' },
      { line: 3, recordType: 'C', field: undefined, problem: 'wrong-invoice' },
      { line: 4, recordType: 'C', field: undefined, problem: 'wrong-invoice' },
    ]);
    expect(invoices[0].errors.map((e) => e.message)).toEqual([
      "RSF line 2, record C: entryNumber differs from the invoice header's at line 1",
      "RSF line 3, record C: invoiceNumber differs from the invoice header's at line 1",
      "RSF line 4, record C: insuredNir differs from the invoice header's at line 1",
    ]);
  });

  it('bounds what one invoice keeps: lines and errors', async () => {
    const many = Array.from({ length: RSF_MAX_LINES_PER_INVOICE + 5 }, () => patch(fee(1), 83, 'ABC'));
    const { invoices } = await read([header(1), ...many]);
    expect(invoices[0].lines).toHaveLength(RSF_MAX_LINES_PER_INVOICE);
    expect(invoices[0].errors).toHaveLength(RSF_MAX_ERRORS_KEPT);
    expect(invoices[0].moreErrors).toBe(RSF_MAX_LINES_PER_INVOICE + 5 + 1 - RSF_MAX_ERRORS_KEPT);
  });

  it('keeps a refused header as an invoice so its lines are refused with it', async () => {
    const { invoices, counts } = await read([header(1).slice(0, 100), fee(1), header(2), fee(2)]);
    expect(counts).toMatchObject({ invoicesRead: 2, accepted: 1, refused: 1, fileErrors: 0 });
    expect(invoices[0].lines).toHaveLength(1);
    expect(invoices[0].errors.map((e) => e.problem)).toEqual(['short-line']);
  });
});
