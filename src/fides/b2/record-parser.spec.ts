import { B2ParseError } from './b2-errors';
import { loadLayouts } from './layout-loader';
import { b2Layouts } from './layouts';
import { identifyRecord, parseRecord } from './record-parser';
import { writeRecord } from './record-writer';

const set = b2Layouts();
const type4 = writeRecord(set, '4', {
  partnerNumber: '330781360',
  insuredNir: '1850575123456',
  insuredNirKey: '12',
  beneficiaryRank: '000',
  invoiceNumber: '260000123',
  prescriberNumber: '331234567',
  executantNumber: '330781360',
  careDate: '2026-11-20',
  actCode: 'CS',
  quantity: 1,
  coefficient: 100,
  count: 1,
  unitPrice: 3000,
  reimbursementBase: 3000,
  rate: 70,
  amoAmount: 2100,
  feesAmount: 3000,
});

/** `line` with `text` written over it from 1-based `position`. */
const patch = (line: string, position: number, text: string): string =>
  line.slice(0, position - 1) + text + line.slice(position - 1 + text.length);

function parseError(line: string, lineNumber = 7): B2ParseError {
  try {
    parseRecord(set, line, lineNumber);
  } catch (err) {
    if (err instanceof B2ParseError) return err;
    throw err;
  }
  throw new Error('parsed');
}

describe('B2 record parser', () => {
  it('reads typed values: codes as digit strings, numbers, cents, AAMMJJ; empty optional fields absent', () => {
    expect(parseRecord(set, type4, 1)).toEqual({
      code: '4',
      values: {
        partnerNumber: '330781360',
        insuredNir: '1850575123456',
        insuredNirKey: '12',
        beneficiaryRank: '000',
        invoiceNumber: '260000123',
        prescriberNumber: '331234567',
        executantNumber: '330781360',
        careDate: '261120',
        actCode: 'CS',
        quantity: 1,
        coefficient: 100,
        count: 1,
        unitPrice: 3000,
        reimbursementBase: 3000,
        rate: 70,
        amoAmount: 2100,
        feesAmount: 3000,
      },
    });
  });

  it('tells complements apart by their letter: 4 vs 4S vs 4M, 3 vs 3S vs 3F', () => {
    expect(identifyRecord(set, type4, 1)?.code).toBe('4');
    for (const c of ['S', 'E', 'B', 'H', 'M']) expect(identifyRecord(set, patch(type4, 36, c), 1)?.code).toBe(`4${c}`);
    const type3 = patch(type4, 1, '3');
    expect(identifyRecord(set, type3, 1)?.code).toBe('3');
    for (const c of ['S', 'E']) expect(identifyRecord(set, patch(type3, 39, c), 1)?.code).toBe(`3${c}`);
    for (const c of ['F', 'H']) expect(identifyRecord(set, patch(type3, 36, c), 1)?.code).toBe(`3${c}`);
    expect(identifyRecord(set, patch(patch(type4, 1, '2'), 39, '1'), 1)?.code).toBe('2');
    expect(identifyRecord(set, patch(patch(type4, 1, '2'), 39, 'S'), 1)?.code).toBe('2S');
    expect(identifyRecord(set, patch(type4, 1, '000'), 1)?.code).toBe('000');
    expect(identifyRecord(set, patch(type4, 1, '999'), 1)?.code).toBe('999');
  });

  it('a line of the wrong length names its line number', () => {
    expect(parseError(type4.slice(0, 127)).message).toBe('B2 line 7: has 127 characters, a record has 128');
    expect(parseError(type4 + ' ').message).toBe('B2 line 7: has 129 characters, a record has 128');
  });

  it('an undeclared record type is refused', () => {
    expect(parseError(patch(type4, 1, '7')).message).toBe('B2 line 7: is not a declared record type');
    expect(
      parseError(
        patch(
          writeRecord(set, '2S', {
            partnerNumber: '330781360',
            insuredNir: '1850575123456',
            insuredNirKey: '12',
            beneficiaryRank: '000',
            invoiceNumber: '260000123',
          }),
          39,
          'B',
        ),
      ).message,
    ).toBe('B2 line 7: is not a declared record type');
  });

  it('names record and field: not numeric, bad characters, mandatory blank, zero or impossible date, wrong constant', () => {
    expect(parseError(patch(type4, 91, '00030O0')).message).toBe('B2 line 7, record 4, field unitPrice: is not numeric');
    expect(parseError(patch(type4, 76, 'cs')).message).toBe(
      'B2 line 7, record 4, field actCode: has characters other than upper-case ASCII letters, digits and spaces',
    );
    expect(parseError(patch(type4, 76, 'C-S')).field).toBe('actCode');
    expect(parseError(patch(type4, 76, '     ')).message).toBe('B2 line 7, record 4, field actCode: mandatory field is blank');
    expect(parseError(patch(type4, 70, '000000')).message).toBe('B2 line 7, record 4, field careDate: mandatory date is zero');
    expect(parseError(patch(type4, 70, '261131')).message).toBe('B2 line 7, record 4, field careDate: is not a real day (AAMMJJ)');
    expect(parseError(patch(type4, 70, '2611 1')).message).toBe('B2 line 7, record 4, field careDate: is not numeric');
    expect(parseError(patch(type4, 11, 'X')).message).toBe('B2 line 7, record 4, field filler11: must be " "');
    expect(parseError(patch(type4, 12, 'é')).message).toContain('field insuredNir: has characters other than');
  });

  it('never echoes a value in an error (a NIR stays out of logs)', () => {
    const err = parseError(patch(type4, 12, '18505751234x6'));
    expect(err.message).not.toContain('1850575');
    expect(err).toMatchObject({ line: 7, recordType: '4', field: 'insuredNir' });
  });

  it('refuses a line two equally specific declarations both match', () => {
    const rec = (code: string, at: number): unknown => ({
      code,
      name: code,
      fields: [
        { name: 'a', position: 1, length: 1, kind: 'A', presence: 'O', meaning: 'a', constant: 'X', key: true },
        { name: 'b', position: 2, length: 1, kind: 'A', presence: 'O', meaning: 'b', ...(at === 2 ? { constant: 'Y', key: true } : {}) },
        { name: 'c', position: 3, length: 1, kind: 'A', presence: 'O', meaning: 'c', ...(at === 3 ? { constant: 'Z', key: true } : {}) },
      ],
    });
    const small = loadLayouts([{ name: 's', status: 'modelled', source: 's', recordLength: 3, records: [rec('P', 2), rec('Q', 3)] }]);
    expect(() => parseRecord(small, 'XYZ', 3)).toThrow('B2 line 3: matches both record P and Q');
    expect(parseRecord(small, 'XYA', 3).code).toBe('P');
  });
});
