/**
 * The sample lot files, one of each kind, read record by record: what each line must say. They are also exactly
 * what the writer produces for the sample invoices (sample-lots.test-support.ts), so any change of layout or writer
 * that moves a byte shows here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { isValidFiness, validateNir } from '../../../identifiers';
import { B2FileWriter } from '../b2-file-writer';
import { checkEnvelope, readB2File } from '../b2-file-reader';
import { type B2Invoice } from '../b2-values';
import { checkInvoice } from '../invoice-rules';
import { aceSampleInvoice, sampleFileHeader, sampleLotHeader, staySampleInvoice } from './sample-lots.test-support';

const who = { partnerNumber: '990000010', insuredNir: '2850375123456', insuredNirKey: '88' };

const fileHeader = {
  code: '000',
  values: {
    emitterId: '990000028',
    grandRegime: '01',
    managingFund: '751',
    fileNumber: '000001',
    creationDate: '261201',
    creationTime: '0730',
    normVersion: 'B22005E',
    testIndicator: 'T',
    softwareId: 'PASSERELLE',
  },
};
const lotHeader = (lotKind: string): unknown => ({
  code: '1',
  values: { partnerNumber: '990000010', lotNumber: '001', grandRegime: '01', managingFund: '751', creationDate: '261201', lotKind },
});
const type2 = (invoiceNumber: string, entry: string, exit: string, exitHour: string): unknown => ({
  code: '2',
  values: {
    ...who,
    invoiceNumber,
    entryNumber: '000012345',
    grandRegime: '01',
    managingFund: '751',
    managingCentre: '0001',
    rightsProofNature: '1',
    insuranceNature: '10',
    exemptionJustification: '0',
    hospitalisationDate: entry,
    birthDate: '850314',
    entryDate: entry,
    exitDate: exit,
    exitHour,
  },
});
const type2S = (invoiceNumber: string): unknown => ({
  code: '2S',
  values: {
    ...who,
    beneficiaryRank: '000',
    invoiceNumber,
    titleComplement: '000100',
    beneficiaryNir: '2850375123456',
    beneficiaryNirKey: '88',
    referringDoctorFlag: 'O',
    referringDoctorName: 'DUPONT LEGER', // written from "Dupont-Léger"
    referringDoctorFirstName: 'HELENE', // written from "Hélène"
    referringDoctorNumber: '751234567',
    carePathwayIndicator: 'T',
  },
});

async function write(kind: 'A' | 'S', invoice: B2Invoice): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const w = new B2FileWriter(out);
  await w.startFile(sampleFileHeader('01', '751'));
  await w.startLot('001', sampleLotHeader(kind));
  await w.writeInvoice(invoice);
  await w.endLot();
  await w.endFile();
  return Buffer.concat(chunks).toString('latin1');
}

const strip = (text: string): unknown[] => {
  const r = readB2File(text);
  return [r.header, r.lots[0].header, ...r.lots[0].invoices[0].records, r.lots[0].trailer, r.trailer].map(({ code, values }) => ({
    code,
    values,
  }));
};

describe('sample lot files', () => {
  const ace = readFileSync(join(__dirname, 'ace-lot.b2'), 'latin1');
  const stay = readFileSync(join(__dirname, 'stay-lot.b2'), 'latin1');

  it('ACE: one consultation, NGAP CS (4 + 4S) and CCAM ECG DEQP003 (4 + 4S + 4M), read record by record', () => {
    const act = (actCode: string, unitPrice: number, amoAmount: number): unknown => ({
      code: '4',
      values: {
        ...who,
        beneficiaryRank: '000',
        invoiceNumber: '260000001',
        prescriberNumber: '990000010',
        executantNumber: '990000010',
        careDate: '261120',
        actCode,
        quantity: 1,
        coefficient: 100,
        count: 1,
        unitPrice,
        reimbursementBase: unitPrice,
        rate: 70,
        amoAmount,
        feesAmount: unitPrice,
      },
    });
    const s4 = { code: '4S', values: { ...who, invoiceNumber: '260000001', priorAgreementCode: '0', activityDomain: 'C' } };
    expect(strip(ace)).toEqual([
      fileHeader,
      lotHeader('A'),
      type2('260000001', '261120', '261120', '11'),
      type2S('260000001'),
      act('CS', 3000, 2100),
      s4,
      act('ATM', 1426, 998),
      s4,
      {
        code: '4M',
        values: { ...who, invoiceNumber: '260000001', sequence: '01', ccamCode: 'DEQP003', activityCode: '1', sessionDate: '261120' },
      },
      {
        code: '5',
        values: {
          ...who,
          invoiceNumber: '260000001',
          lineRecordCount: 5,
          totalHospitalBase: 0,
          totalHospitalAmo: 0,
          totalFees: 4426,
          totalFeesAmo: 3098,
          totalPatientShare: 1328,
          totalHospitalBilled: 0,
        },
      },
      {
        code: '6',
        values: { partnerNumber: '990000010', lotNumber: '001', invoiceCount: 1, recordCount: 10, totalBilled: 4426, totalAmo: 3098 },
      },
      { code: '999', values: { emitterId: '990000028', lotCount: 1, recordCount: 12, invoiceCount: 1 } },
    ]);
  });

  it('stay: GHS 1234 and forfait journalier FJ on type 3 lines (each with its 3S), read record by record', () => {
    const line = (actCode: string, extra: object): unknown => ({
      code: '3',
      values: {
        ...who,
        beneficiaryRank: '000',
        invoiceNumber: '260000002',
        stayStartDate: '261102',
        stayEndDate: '261106',
        actCode,
        coefficient: 100,
        ...extra,
      },
    });
    const s3 = {
      code: '3S',
      values: {
        ...who,
        beneficiaryRank: '000',
        invoiceNumber: '260000002',
        prescriberNumber: '990000010',
        prescriberSpecialty: '00',
        prescriptionDate: '261102',
        priorAgreementCode: '0',
      },
    };
    expect(strip(stay)).toEqual([
      fileHeader,
      lotHeader('S'),
      type2('260000002', '261102', '261106', '14'),
      type2S('260000002'),
      line('GHS', {
        quantity: 1,
        unitPrice: 250000,
        reimbursementBase: 250000,
        rate: 80,
        amoAmount: 200000,
        totalExpense: 250000,
        ghsNumber: '1234',
      }),
      s3,
      line('FJ', { quantity: 4, unitPrice: 2000, reimbursementBase: 8000, rate: 0, amoAmount: 0, totalExpense: 8000 }),
      s3,
      {
        code: '5',
        values: {
          ...who,
          invoiceNumber: '260000002',
          lineRecordCount: 4,
          totalHospitalBase: 258000,
          totalHospitalAmo: 200000,
          totalFees: 0,
          totalFeesAmo: 0,
          totalPatientShare: 58000,
          totalHospitalBilled: 258000,
        },
      },
      {
        code: '6',
        values: { partnerNumber: '990000010', lotNumber: '001', invoiceCount: 1, recordCount: 9, totalBilled: 258000, totalAmo: 200000 },
      },
      { code: '999', values: { emitterId: '990000028', lotCount: 1, recordCount: 11, invoiceCount: 1 } },
    ]);
  });

  it('both are 128-character CRLF records, pass the invoice rules and the envelope checks', () => {
    for (const text of [ace, stay]) {
      const lines = text.split('\r\n');
      expect(lines.pop()).toBe('');
      for (const l of lines) expect(l).toMatch(/^[A-Z0-9 ]{128}$/);
      const reading = readB2File(text);
      expect(checkEnvelope(reading)).toEqual([]);
      expect(checkInvoice(reading.lots[0].invoices[0])).toEqual([]);
    }
    // Raw positions of a few public fields: the CCAM code of the 4M at 43, the GHS number of the type 3 at 110.
    expect(ace.split('\r\n')[8].slice(42, 55)).toBe('DEQP003      ');
    expect(stay.split('\r\n')[4].slice(109, 113)).toBe('1234');
  });

  it('carry fictitious but valid identifiers: NIR key, FINESS check digit', () => {
    expect(validateNir('2850375123456' + '88')).toEqual({ ok: true });
    expect(isValidFiness('990000010')).toBe(true);
    expect(isValidFiness('990000028')).toBe(true);
  });

  it('are exactly what the writer produces for the sample invoices', async () => {
    expect(await write('A', aceSampleInvoice())).toBe(ace);
    expect(await write('S', staySampleInvoice())).toBe(stay);
  });
});
