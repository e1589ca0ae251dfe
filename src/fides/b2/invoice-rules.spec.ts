import { type B2Invoice, type B2Record } from './b2-values';
import {
  checkBillingDelay,
  checkEmergencyPackageOrder,
  checkForbiddenRecordTypes,
  checkInvoice,
  checkInvoiceStructure,
  checkInvoiceTotals,
  rawRecordCode,
} from './invoice-rules';
import { invoiceTrailer } from './invoice-totals';
import { b2Layouts } from './layouts';
import { writeRecord } from './record-writer';
import { aceSampleInvoice, staySampleInvoice } from './samples/sample-lots.test-support';

const ace = aceSampleInvoice();
const stay = staySampleInvoice();
const codes = (inv: B2Invoice): string[] => inv.records.map((r) => r.code);
const ruleCodes = (vs: { code: string }[]): string[] => vs.map((v) => v.code);
/** The ACE sample with its records replaced (type 5 recomputed unless `keepTrailer`). */
function edit(inv: B2Invoice, f: (rs: B2Record[]) => B2Record[], keepTrailer = false): B2Invoice {
  const body = f(inv.records.slice(0, -1).map((r) => ({ code: r.code, values: { ...r.values } })));
  return { records: [...body, keepTrailer ? inv.records[inv.records.length - 1] : invoiceTrailer(body[0].values, body)] };
}

describe('B2 invoice rules', () => {
  it('the samples break no rule', () => {
    expect(checkInvoice(ace)).toEqual([]);
    expect(checkInvoice(stay)).toEqual([]);
  });

  it('an invoice runs from a type 2 to a type 5 (B2-INVOICE-START, -END, -BRACKET)', () => {
    expect(ruleCodes(checkInvoiceStructure({ records: ace.records.slice(1) }))).toContain('B2-INVOICE-START');
    expect(ruleCodes(checkInvoiceStructure({ records: ace.records.slice(0, -1) }))).toContain('B2-INVOICE-END');
    const twice = { records: [...ace.records.slice(0, 3), ace.records[0], ...ace.records.slice(3)] };
    expect(checkInvoiceStructure(twice)).toContainEqual(
      expect.objectContaining({ code: 'B2-INVOICE-BRACKET', record: 3, recordType: '2' }),
    );
  });

  it('1 to 999 line records (B2-INVOICE-LINES)', () => {
    const none = edit(ace, (rs) => rs.slice(0, 2));
    expect(checkInvoiceStructure(none)).toContainEqual(
      expect.objectContaining({ code: 'B2-INVOICE-LINES', message: 'an invoice has 1 to 999 line records (3x, 4x); this one has 0' }),
    );
    const many = edit(ace, (rs) => [...rs.slice(0, 2), ...Array.from({ length: 500 }, () => rs.slice(2, 4)).flat()]);
    expect(ruleCodes(checkInvoiceStructure(many))).toContain('B2-INVOICE-LINES');
  });

  it('each complement after what it completes (2S, 3S, 3E, 3F/3H, 4S, 4E, 4B/4H/4M, groups)', () => {
    const cases: [B2Invoice, string, number][] = [
      [edit(ace, (rs) => [rs[0], rs[2], rs[1], ...rs.slice(3)]), 'B2-ORDER-2S', 2],
      [edit(ace, (rs) => [...rs.slice(0, 2), rs[3], rs[2], ...rs.slice(4)]), 'B2-ORDER-4S', 2],
      [edit(stay, (rs) => [...rs.slice(0, 2), rs[3], rs[2], ...rs.slice(4)]), 'B2-ORDER-3S', 2],
      [edit(ace, (rs) => [...rs.slice(0, 3), { code: '4E', values: rs[3].values }, rs[3], ...rs.slice(4)]), 'B2-ORDER-4E', 3],
      [edit(ace, (rs) => [...rs.slice(0, 3), { code: '4H', values: { sequence: '01' } }, rs[3], ...rs.slice(4)]), 'B2-ORDER-4H', 3],
      [edit(ace, (rs) => [...rs.slice(0, 3), { code: '4B', values: { sequence: '01' } }, rs[3], ...rs.slice(4)]), 'B2-ORDER-4B', 3],
      [edit(stay, (rs) => [...rs.slice(0, 3), { code: '3H', values: { sequence: '01' } }, rs[3], ...rs.slice(4)]), 'B2-ORDER-3H', 3],
      [
        edit(stay, (rs) => [...rs.slice(0, 4), { code: '3F', values: rs[3].values }, { code: '3E', values: rs[3].values }, ...rs.slice(4)]),
        'B2-ORDER-3E',
        5,
      ],
      [edit(stay, (rs) => [...rs.slice(0, 4), rs[3], ...rs.slice(4)]), 'B2-ORDER-3S', 4],
      [edit(stay, (rs) => [...rs.slice(0, 2), rs[2], { code: '3F', values: { sequence: '01' } }, ...rs.slice(3)]), 'B2-ORDER-3F', 3],
      [edit(ace, (rs) => [...rs.slice(0, 2), rs[2], { code: '4M', values: { sequence: '01' } }, ...rs.slice(3)]), 'B2-ORDER-4M', 3],
      [edit(ace, (rs) => [...rs.slice(0, 2), { code: '4S', values: rs[3].values }, ...rs.slice(2)]), 'B2-ORDER-GROUP', 2],
    ];
    for (const [inv, code, record] of cases) {
      expect({ codes: codes(inv), v: checkInvoiceStructure(inv) }).toEqual({
        codes: codes(inv),
        v: expect.arrayContaining([expect.objectContaining({ code, record })]),
      });
    }
    // 3E after the 3 when there is no 3S is fine.
    const e = edit(stay, (rs) => [...rs.slice(0, 3), { code: '3E', values: rs[3].values }, ...rs.slice(4)]);
    expect(ruleCodes(checkInvoiceStructure(e)).filter((c) => c.startsWith('B2-ORDER'))).toEqual([]);
  });

  it('complement sequences increase and stay in range (B2-SEQUENCE-ORDER, -RANGE)', () => {
    const m = (seq: string): B2Record => ({ code: '4M', values: { ...ace.records[6].values, sequence: seq } });
    const unsorted = edit(ace, (rs) => [...rs, m('03'), m('02')]);
    expect(checkInvoiceStructure(unsorted)).toContainEqual(
      expect.objectContaining({ code: 'B2-SEQUENCE-ORDER', record: 8, field: 'sequence' }),
    );
    const over = edit(ace, (rs) => [...rs, m('27')]);
    expect(checkInvoiceStructure(over)).toContainEqual(
      expect.objectContaining({ code: 'B2-SEQUENCE-RANGE', message: 'a 4M sequence runs from 01 to 26' }),
    );
  });

  it('4M: modifiers without a gap, sessions in date order, the sessions of one act alike', () => {
    const gap = edit(ace, (rs) => [...rs.slice(0, -1), { code: '4M', values: { ...rs[rs.length - 1].values, modifier2: 'F' } }]);
    expect(checkInvoiceStructure(gap)).toContainEqual(expect.objectContaining({ code: 'B2-4M-MODIFIERS', field: 'modifier2' }));
    const other = edit(ace, (rs) => [
      ...rs,
      { code: '4M', values: { ...rs[rs.length - 1].values, sequence: '02', ccamCode: 'DEQP004', sessionDate: '261121' } },
    ]);
    expect(checkInvoiceStructure(other)).toEqual([expect.objectContaining({ code: 'B2-4M-SAME-ACT', record: 7, field: 'ccamCode' })]);
    const late = edit(ace, (rs) => [...rs, { code: '4M', values: { ...rs[rs.length - 1].values, sequence: '02', sessionDate: '261119' } }]);
    expect(checkInvoiceStructure(late)).toContainEqual(expect.objectContaining({ code: 'B2-4M-SESSION-ORDER', field: 'sessionDate' }));
  });

  it('every record repeats the identity of the type 2; the invoice number is not zero', () => {
    const other = edit(
      ace,
      (rs) => [...rs.slice(0, 4), { code: '4', values: { ...rs[4].values, insuredNirKey: '11' } }, ...rs.slice(5)],
      true,
    );
    expect(checkInvoiceStructure(other)).toContainEqual(
      expect.objectContaining({ code: 'B2-INVOICE-IDENTITY', record: 4, field: 'insuredNirKey' }),
    );
    const zero = edit(ace, (rs) => rs.map((r) => ({ code: r.code, values: { ...r.values, invoiceNumber: '000000000' } })));
    expect(ruleCodes(checkInvoiceStructure(zero))).toEqual(['B2-INVOICE-NUMBER-ZERO']);
  });

  it('type 5 count and totals match the lines (RG_MF633)', () => {
    const wrong = edit(ace, (rs) => [...rs.slice(0, 4), { code: '4', values: { ...rs[4].values, amoAmount: 2000 } }, ...rs.slice(5)], true);
    expect(checkInvoiceTotals(wrong)).toEqual([
      {
        code: 'B2-TOTALS-AMOUNT',
        message: 'type 5 totalFeesAmo does not match its lines',
        record: 7,
        recordType: '5',
        field: 'totalFeesAmo',
      },
      {
        code: 'B2-TOTALS-AMOUNT',
        message: 'type 5 totalPatientShare does not match its lines',
        record: 7,
        recordType: '5',
        field: 'totalPatientShare',
      },
    ]);
    const count = edit(ace, (rs) => rs.slice(0, -1), true);
    expect(ruleCodes(checkInvoiceTotals(count))).toEqual(['B2-TOTALS-COUNT']);
  });

  it('RG_MF603: no 2B or 2C record for EPS or ESPIC, allowed for a private clinic', () => {
    const set = b2Layouts();
    const line2S = writeRecord(set, '2S', ace.records[1].values);
    const line2B = line2S.slice(0, 38) + 'B' + line2S.slice(39);
    const raw = [writeRecord(set, '2', ace.records[0].values), line2S, line2B].map(rawRecordCode);
    expect(raw).toEqual(['2', '2S', '2B']);
    expect(checkForbiddenRecordTypes([...raw, '2C'], 'EPS')).toEqual([
      { code: 'RG_MF603', message: 'type 2B is forbidden for EPS invoices', record: 2, recordType: '2B' },
      { code: 'RG_MF603', message: 'type 2C is forbidden for EPS invoices', record: 3, recordType: '2C' },
    ]);
    expect(ruleCodes(checkForbiddenRecordTypes(['2', '2C'], 'ESPIC'))).toEqual(['RG_MF603']);
    expect(checkForbiddenRecordTypes(['2', '2B', '2C'], 'CP')).toEqual([]);
    // Complement letters of 3x/4x are read at their own positions (a 4S has a letter field at 39 too).
    expect(rawRecordCode(writeRecord(set, '4S', { ...ace.records[5].values, executantPracticeCondition: 'L' }))).toBe('4S');
    expect(rawRecordCode(writeRecord(set, '3S', stay.records[5].values))).toBe('3S');
  });

  it('RG_MF606: billing delay strictly under one year, unless forced', () => {
    expect(checkBillingDelay(ace, '2027-11-19')).toEqual([]);
    expect(checkBillingDelay(ace, '2027-11-20')).toEqual([
      {
        code: 'RG_MF606',
        message: 'billing delay is one year or more (forcible only when the caisse asks)',
        record: 2,
        recordType: '4',
        field: 'careDate',
      },
      {
        code: 'RG_MF606',
        message: 'billing delay is one year or more (forcible only when the caisse asks)',
        record: 4,
        recordType: '4',
        field: 'careDate',
      },
    ]);
    expect(checkBillingDelay(ace, '2027-11-20', { forced: true })).toEqual([]);
    expect(ruleCodes(checkBillingDelay(stay, '2027-11-06'))).toEqual(['RG_MF606', 'RG_MF606']);
    expect(() => checkBillingDelay(ace, '20/11/2027')).toThrow('transmissionDate must be YYYY-MM-DD');
  });

  it('RG_MF602: emergency packages in order (FUx first, SSN/SSF after SAS/SIM/SIC; FPx, CFU, FTx in type 3)', () => {
    const act = ace.records[2];
    const with4 = (...actCodes: string[]): B2Invoice =>
      edit(ace, (rs) => [...rs.slice(0, 2), ...actCodes.flatMap((c) => [{ code: '4', values: { ...act.values, actCode: c } }, rs[3]])]);
    expect(checkEmergencyPackageOrder(with4('FU1', 'SUN', 'PE1', 'SAS', 'SSN', 'SIM', 'SSF', 'FTN'))).toEqual([]);
    expect(checkEmergencyPackageOrder(with4('FU1', 'SIM', 'SAS'))).toEqual([
      { code: 'RG_MF602', message: 'SAS is out of the emergency package order', record: 6, recordType: '4', field: 'actCode' },
    ]);
    expect(ruleCodes(checkEmergencyPackageOrder(with4('FU1', 'SUN', 'SSN')))).toEqual(['RG_MF602']);
    // Without a FUx the type-4 order is not constrained.
    expect(checkEmergencyPackageOrder(with4('SIM', 'SAS'))).toEqual([]);
    const line = stay.records[2];
    const with3 = (...actCodes: string[]): B2Invoice =>
      edit(stay, (rs) => [...rs.slice(0, 2), ...actCodes.flatMap((c) => [{ code: '3', values: { ...line.values, actCode: c } }, rs[3]])]);
    expect(checkEmergencyPackageOrder(with3('FPU', 'CFU', 'FTN'))).toEqual([]);
    expect(ruleCodes(checkEmergencyPackageOrder(with3('CFU', 'FPU')))).toEqual(['RG_MF602']);
  });
});
