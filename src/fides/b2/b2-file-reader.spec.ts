import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkEnvelope, readB2File, splitB2Lines } from './b2-file-reader';

const ace = readFileSync(join(__dirname, 'samples', 'ace-lot.b2'), 'latin1');
const lines = splitB2Lines(ace);
const join2 = (ls: string[]): string => ls.join('\n');
const patch = (line: string, position: number, text: string): string =>
  line.slice(0, position - 1) + text + line.slice(position - 1 + text.length);

describe('B2 file reader', () => {
  it('reads CRLF and LF files alike, with or without a final end of line', () => {
    const a = readB2File(ace);
    expect(readB2File(join2(lines))).toEqual(a);
    expect(readB2File(join2(lines) + '\n')).toEqual(a);
    expect(a.lots[0].invoices[0].records.map((r) => r.line)).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
    expect(a.recordCount).toBe(12);
  });

  it('names the line of a misplaced record', () => {
    expect(() => readB2File(join2(lines.slice(1)))).toThrow('B2 line 1, record 1: a file starts with its header (record 000)');
    expect(() => readB2File(join2(lines.slice(0, -1)))).toThrow('B2 line 11: the file has no trailer');
    expect(() => readB2File(join2([...lines, lines[0]]))).toThrow('B2 line 13, record 000: comes after the file trailer');
    expect(() => readB2File(join2([lines[0], ...lines.slice(2)]))).toThrow('B2 line 2, record 2: invoice record outside a lot');
    expect(() => readB2File(join2([...lines.slice(0, 9), ...lines.slice(10)]))).toThrow(
      'B2 line 10, record 6: invoice of line 3 has no type 5',
    );
    expect(() => readB2File(join2([...lines.slice(0, 2), ...lines.slice(3)]))).toThrow(
      'B2 line 3, record 2S: invoice record before the type 2 of its invoice',
    );
    expect(() => readB2File(join2([...lines.slice(0, 2), ...lines.slice(1)]))).toThrow('B2 line 3, record 1: lot of line 2 has no trailer');
    expect(() => readB2File(join2([lines[0], lines[10], lines[11]]))).toThrow('B2 line 2, record 6: lot trailer outside a lot');
    expect(() => readB2File(join2([...lines.slice(0, 3), lines[0]]))).toThrow('B2 line 4, record 000: a second file header');
    expect(() => readB2File('')).toThrow('B2 line 1: empty file');
  });

  it('an empty line in the middle is an error, not skipped', () => {
    expect(() => readB2File(join2([...lines.slice(0, 5), '', ...lines.slice(5)]))).toThrow('B2 line 6: has 0 characters, a record has 128');
  });

  it('checks the (modelled) envelope: lot number, counts and totals of the lot trailer, counts of the file trailer', () => {
    const lotTrailer = lines[10];
    const tampered = [...lines];
    tampered[10] = patch(patch(lotTrailer, 12, '002'), 15, '00002');
    tampered[11] = patch(lines[11], 13, '002');
    expect(checkEnvelope(readB2File(join2(tampered)))).toEqual([
      { code: 'B2-LOT-NUMBER', message: 'lot trailer of line 11: lotNumber does not match the lot', recordType: '6', field: 'lotNumber' },
      {
        code: 'B2-LOT-COUNT',
        message: 'lot trailer of line 11: invoiceCount does not match the lot',
        recordType: '6',
        field: 'invoiceCount',
      },
      { code: 'B2-FILE-COUNT', message: 'file trailer: lotCount does not match the file', recordType: '999', field: 'lotCount' },
    ]);
    const total = [...lines];
    total[10] = patch(lotTrailer, 27, '000000004427');
    expect(checkEnvelope(readB2File(join2(total)))).toEqual([
      {
        code: 'B2-LOT-TOTAL',
        message: 'lot trailer of line 11: totalBilled does not match the lot',
        recordType: '6',
        field: 'totalBilled',
      },
    ]);
  });
});
