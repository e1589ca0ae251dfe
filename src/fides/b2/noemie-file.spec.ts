import { B2Generator, seededRandom } from './b2-invoice-generator.test-support';
import { type B2Record } from './b2-values';
import { noemieLayouts, NOEMIE_RETURN_LAYOUTS } from './layouts';
import { checkNoemieTotals, readNoemieFile, renderNoemieFile } from './noemie-file';
import { parseRecord } from './record-parser';
import { writeRecord } from './record-writer';

const set = noemieLayouts();
const header = (fileKind: string): Record<string, string> => ({
  fileKind,
  emitterRegime: '01',
  emitterFund: '751',
  recipientId: '990000028',
  returnFileId: 'R2612020001',
  creationDate: '2026-12-02',
  creationTime: '0915',
  normVersion: 'NOEMIE1',
  testIndicator: 'T',
});
const ack = (status: string, extra: Record<string, string | number> = {}): B2Record => ({
  code: '100',
  values: {
    fileNumber: '000001',
    fileEmitterId: '990000028',
    fileDate: '2026-12-01',
    status,
    lotCount: 1,
    invoiceCount: 1,
    receivedDate: '2026-12-01',
    ...extra,
  },
});
const outcome = (invoiceNumber: string, o: string, billedAmount: number, paidAmount?: number): B2Record => ({
  code: '200',
  values: {
    lotNumber: '001',
    invoiceNumber,
    insuredNir: '2850375123456',
    insuredNirKey: '88',
    outcome: o,
    billedAmount,
    paidAmount,
    paymentDate: paidAmount !== undefined ? '2026-12-10' : undefined,
    paymentReference: paidAmount !== undefined ? 'VIR20261210A' : undefined,
    careDate: '2026-11-20',
  },
});
const rsp = [
  { code: '040', values: { partnerNumber: '990000010' } },
  outcome('260000001', 'P', 3098, 3098),
  outcome('260000002', 'R', 200000),
  { code: '210', values: { anomalyCode: 'DF001', dataConcerned: 'DROITS', comment: 'Droits fermés à la date des soins' } },
  outcome('260000003', 'S', 2100, 2100),
  { code: '210', values: { anomalyCode: 'SG014', comment: 'Parcours de soins non renseigné' } },
  { code: '220', values: { paymentReference: 'VIR20261210A', paymentDate: '2026-12-10', amount: 5198, invoiceCount: 2 } },
];

describe('NOEMIE returns (modelled)', () => {
  it('are declared modelled, not certified', () => {
    expect(NOEMIE_RETURN_LAYOUTS.status).toBe('modelled');
    expect(NOEMIE_RETURN_LAYOUTS.source).toContain(
      'modelled, not certified — a certified editor replaces this declaration without touching code',
    );
  });

  it('every entity: parse(write(x)) reads back what was written (random values, same generator as B2)', () => {
    const gen = new B2Generator(set, seededRandom(99));
    for (const rec of set.records.values()) {
      for (let i = 0; i < 100; i++) {
        const x = gen.record(rec);
        const line = writeRecord(set, rec.code, x.values);
        const back = parseRecord(set, line, 1);
        expect(back.code).toBe(rec.code);
        expect(writeRecord(set, rec.code, back.values)).toBe(line);
      }
    }
  });

  it('a positive ARL reads back with its totals checked', () => {
    const text = renderNoemieFile(header('ARL'), [ack('P')]);
    const r = readNoemieFile(text);
    expect(r.kind).toBe('ARL');
    expect(r.acknowledgements.map((a) => a.values)).toEqual([
      {
        fileNumber: '000001',
        fileEmitterId: '990000028',
        fileDate: '261201',
        status: 'P',
        lotCount: 1,
        invoiceCount: 1,
        receivedDate: '261201',
      },
    ]);
    expect(r.totals.values).toEqual({ entityCount: 1, invoiceCount: 0, totalBilled: 0, totalPaid: 0 });
    expect(r.end.values).toEqual({ recordCount: 4 });
    expect(checkNoemieTotals(r)).toEqual([]);
  });

  it('a negative ARL names the line, record and field of the B2 file it refuses', () => {
    const text = renderNoemieFile(header('ARL'), [
      ack('N', { reasonCode: 'SIGN' }),
      {
        code: '110',
        values: {
          line: 7,
          lotNumber: '001',
          recordType: '4',
          fieldName: 'careDate',
          reasonCode: 'DATE',
          comment: 'date de soins postérieure à la réception',
        },
      },
    ]);
    const r = readNoemieFile(text);
    expect(r.acknowledgements[0].values.status).toBe('N');
    expect(r.anomalies.map((a) => a.values)).toEqual([
      {
        line: 7,
        lotNumber: '001',
        recordType: '4',
        fieldName: 'CAREDATE',
        reasonCode: 'DATE',
        comment: 'DATE DE SOINS POSTERIEURE A LA RECEPTION',
      },
    ]);
    expect(checkNoemieTotals(r)).toEqual([]);
  });

  it('an RSP: paid, rejected with its motive, warned (paid), and the transfer; 990 totals checked', () => {
    const text = renderNoemieFile(header('RSP'), rsp);
    const r = readNoemieFile(text);
    expect(r.kind).toBe('RSP');
    expect(r.recipients.map((x) => x.values.partnerNumber)).toEqual(['990000010']);
    expect(
      r.invoices.map((i) => [
        i.outcome.values.invoiceNumber,
        i.outcome.values.outcome,
        i.outcome.values.paidAmount,
        i.motives.map((m) => m.values.anomalyCode),
      ]),
    ).toEqual([
      ['260000001', 'P', 3098, []],
      ['260000002', 'R', undefined, ['DF001']],
      ['260000003', 'S', 2100, ['SG014']],
    ]);
    expect(r.invoices[1].motives[0].values).toEqual({
      anomalyCode: 'DF001',
      dataConcerned: 'DROITS',
      comment: 'DROITS FERMES A LA DATE DES SOINS',
    });
    expect(r.payments.map((p) => p.values)).toEqual([
      { paymentReference: 'VIR20261210A', paymentDate: '261210', amount: 5198, invoiceCount: 2 },
    ]);
    expect(r.totals.values).toEqual({ entityCount: 7, invoiceCount: 3, totalBilled: 205198, totalPaid: 5198 });
    expect(checkNoemieTotals(r)).toEqual([]);
  });

  it('totals that do not match are violations naming the field', () => {
    const lines = renderNoemieFile(header('RSP'), rsp).split('\r\n');
    lines[8] = writeRecord(set, '990', { entityCount: 7, invoiceCount: 2, totalBilled: 205198, totalPaid: 5199 });
    lines[9] = writeRecord(set, '999', { recordCount: 11 });
    expect(checkNoemieTotals(readNoemieFile(lines.join('\r\n')))).toEqual([
      {
        code: 'NOEMIE-TOTALS-invoiceCount',
        message: '990 of line 9: invoiceCount does not match the file',
        recordType: '990',
        field: 'invoiceCount',
      },
      {
        code: 'NOEMIE-TOTALS-totalPaid',
        message: '990 of line 9: totalPaid does not match the file',
        recordType: '990',
        field: 'totalPaid',
      },
      { code: 'NOEMIE-END-COUNT', message: '999: recordCount does not match the file', recordType: '999', field: 'recordCount' },
    ]);
  });

  it('entities out of place are errors naming the line', () => {
    const arl = renderNoemieFile(header('ARL'), [ack('P')]).split('\r\n');
    const rspLines = renderNoemieFile(header('RSP'), rsp).split('\r\n');
    const j = (ls: string[]): string => ls.join('\r\n');
    expect(() => readNoemieFile(j(arl.slice(1)))).toThrow('B2 line 1, record 100: a return file starts with its 000');
    expect(() => readNoemieFile(j([arl[0], rspLines[2], ...arl.slice(1)]))).toThrow(
      'B2 line 2, record 200: entity 200 does not belong in an ARL',
    );
    expect(() => readNoemieFile(j([rspLines[0], rspLines[1], rspLines[4], ...rspLines.slice(2)]))).toThrow(
      'B2 line 3, record 210: a motive (210) follows the invoice outcome (200) it belongs to',
    );
    expect(() => readNoemieFile(j([rspLines[0], rspLines[2], ...rspLines.slice(1)]))).toThrow(
      'B2 line 2, record 200: an invoice outcome (200) follows its recipient (040)',
    );
    expect(() => readNoemieFile(j([...arl.slice(0, 2), arl[3]]))).toThrow('B2 line 3, record 999: the 990 totals are missing');
    expect(() => readNoemieFile(j(arl.slice(0, 3)))).toThrow('B2 line 3: the file has no 999 end');
    expect(() => readNoemieFile(j([...arl.slice(0, 4), arl[1]]))).toThrow('B2 line 5, record 100: comes after the 999');
    expect(() => readNoemieFile(j([writeRecord(set, '000', header('XYZ')), ...arl.slice(1)]))).toThrow(
      'B2 line 1, record 000, field fileKind: must be ARL or RSP',
    );
    expect(() => readNoemieFile(j([arl[0], arl[1].slice(0, 100), ...arl.slice(2)]))).toThrow(
      'B2 line 2: has 100 characters, a record has 128',
    );
  });
});
