/**
 * The fictitious sample month (sample-month.rsf, ISO-8859-1, CRLF): two invoices — a 3-day stay (A, B GHS, H UCD,
 * P LPP, M CCAM, C fee) and an external consultation with biology (A, C, L) — read back field by field, then mapped
 * to InvoiceDraft. Fictitious identities: NIRs with valid keys, FINESS 99… with valid check digits.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isValidFiness, validateNir } from '../../../identifiers';
import { readRsf, type RsfCounts, type RsfInvoice } from '../rsf-reader';
import { rsfInvoiceToDraft } from '../rsf-to-invoice-draft';
import { sampleMonthLines } from './sample-month.test-support';

const SAMPLE = join(__dirname, 'sample-month.rsf');

async function readSample(): Promise<{ invoices: RsfInvoice[]; counts?: RsfCounts }> {
  const invoices: RsfInvoice[] = [];
  let counts: RsfCounts | undefined;
  for await (const e of readRsf(createReadStream(SAMPLE), { year: 2026 })) {
    if (e.kind === 'invoice') invoices.push(e.invoice);
    else if (e.kind === 'end') counts = e.counts;
    else throw new Error(e.error.message);
  }
  return { invoices, counts };
}

describe('RSF sample month', () => {
  it('is the file its builder makes (ISO-8859-1, CRLF)', () => {
    expect(readFileSync(SAMPLE, 'latin1')).toBe(sampleMonthLines().join('\r\n') + '\r\n');
  });

  it('has valid fictitious identifiers', () => {
    for (const nir of ['185079912345639', '292017512312346', '120109900011132']) expect(validateNir(nir)).toEqual({ ok: true });
    expect(isValidFiness('990000010')).toBe(true);
    expect(isValidFiness('990000028')).toBe(true);
  });

  it('reads two accepted invoices, field by field', async () => {
    const { invoices, counts } = await readSample();
    expect(counts).toEqual({ lines: 9, invoicesRead: 2, accepted: 2, refused: 0, fileErrors: 0 });
    const [stay, ace] = invoices;
    expect(stay.errors).toEqual([]);
    expect(stay).toMatchObject({ line: 1, entryNumber: '260100001', invoiceNumber: '000004711', accepted: true });
    expect(stay.header?.values).toEqual({
      epmsiFiness: '990000010',
      geographicFiness: '990000028',
      sex: '1',
      insuredNir: '1850799123456',
      insuredNirKey: '39',
      beneficiaryRank: '000',
      entryNumber: '260100001',
      beneficiaryNir: '1850799123456',
      beneficiaryNirKey: '39',
      carePathwayIndicator: 'T',
      operationNature: '1',
      insuranceNature: '10',
      exemptionJustification: '0',
      billableToAmo: '1',
      grandRegime: '01',
      birthDate: '1985-07-14',
      birthRank: '1',
      entryDate: '2026-01-05',
      exitDate: '2026-01-08',
      postalCode: '75012',
      totalHospitalBase: 450000,
      totalHospitalAmo: 360000,
      totalFeesBilled: 4794,
      totalFeesAmo: 3356,
      totalHospitalBilled: 450000,
      managementCode: '10',
      ipp: 'IPP0001',
      invoiceNumber: '000004711',
    });
    expect(stay.lines.map((l) => `${l.type}@${l.line}`)).toEqual(['B@2', 'H@3', 'P@4', 'M@5', 'C@6']);
    expect(stay.lines[0].values).toMatchObject({
      treatmentMode: '03',
      serviceDiscipline: '100',
      exemptionJustification: '0',
      careDate: '2026-01-05',
      actCode: 'GHS',
      quantity: 1,
      coefficient: 100,
      count: 1,
      unitPrice: 450000,
      reimbursementBase: 450000,
      rate: 80,
      amoAmount: 360000,
      feesAmount: 450000,
    });
    expect(stay.lines[1].values).toMatchObject({
      ucdCode: '9391234',
      splitCoefficient: '01000',
      unitPurchasePrice: 125050,
      quantity: 2,
      totalBilled: 250100,
    });
    expect(stay.lines[2].values).toMatchObject({
      lppCode: '3170001',
      quantity: 1,
      lppTariff: 15000,
      totalBilled: 15000,
      unitPurchasePrice: 14000,
    });
    expect(stay.lines[3].values).toMatchObject({
      careDate: '2026-01-06',
      ccamCode: 'DZQM006',
      activityCode: '1',
      phaseCode: '0',
      modifier1: 'F',
      modifier2: 'U',
    });
    expect(stay.lines[3].values.modifier3).toBeUndefined();
    expect(ace).toMatchObject({ line: 7, entryNumber: '260100002', invoiceNumber: '000004712', accepted: true });
    expect(ace.header?.values).toMatchObject({
      sex: '2',
      beneficiaryNir: '1201099000111',
      beneficiaryNirKey: '32',
      exemptionJustification: '4',
      birthDate: '2012-10-03',
    });
    expect(ace.lines[1].values).toMatchObject({
      actDate1: '2026-01-20',
      quantity1: 1,
      nabmCode1: '1104',
      actDate2: '2026-01-20',
      quantity2: 2,
      nabmCode2: '0552',
    });
    expect(ace.lines[1].values.nabmCode3).toBeUndefined();
  });

  it('maps each invoice to an InvoiceDraft', async () => {
    const { invoices } = await readSample();
    const stay = rsfInvoiceToDraft(invoices[0]);
    expect(stay).toMatchObject({
      source: 'rsf',
      invoiceNumber: '000004711',
      entryNumber: '260100001',
      geographicFiness: '990000028',
      declaredFiness: '990000010',
      patient: { insuredNir: '1850799123456', insuredNirKey: '39', beneficiaryRank: '000', birthDate: '1985-07-14', birthRank: '1' },
      coverage: { grandRegime: '01', managementCode: '10', insuranceNature: '10', exemptionJustification: '0', carePathwayIndicator: 'T' },
      stay: { start: '2026-01-05', end: '2026-01-08' },
      statedTotals: { hospitalBase: 450000, hospitalAmo: 360000, feesBilled: 4794, feesAmo: 3356, hospitalBilled: 450000 },
    });
    // The insured is the patient: no separate beneficiary NIR.
    expect(stay.patient.beneficiaryNir).toBeUndefined();
    expect(stay.lines.map((l) => [l.kind, l.code, l.sourceRef])).toEqual([
      ['hospital-service', 'GHS', 'rsf:2'],
      ['ucd', '9391234', 'rsf:3'],
      ['lpp', '3170001', 'rsf:4'],
      ['ccam', 'DZQM006', 'rsf:5'],
      ['fee', 'ADE', 'rsf:6'],
    ]);
    expect(stay.lines[0]).toMatchObject({
      careDate: '2026-01-05',
      quantity: 1,
      coefficient: 100,
      unitPrice: 450000,
      reimbursementBase: 450000,
      rate: 80,
      amoAmount: 360000,
    });
    expect(stay.lines[1]).toMatchObject({
      careDate: '2026-01-05',
      quantity: 2,
      unitPrice: 125050,
      totalBilled: 250100,
      splitCoefficient: '01000',
    });
    expect(stay.lines[3].ccam).toEqual({
      activity: '1',
      phase: '0',
      modifiers: ['F', 'U'],
      association: undefined,
      documentaryExtension: undefined,
    });
    expect(stay.lines[4]).toMatchObject({ careDate: '2026-01-06', unitPrice: 4794, rate: 70, amoAmount: 3356, totalBilled: 4794 });

    const ace = rsfInvoiceToDraft(invoices[1]);
    expect(ace.patient).toMatchObject({ insuredNir: '2920175123123', beneficiaryNir: '1201099000111', beneficiaryNirKey: '32' });
    expect(ace.lines.map((l) => [l.kind, l.code, l.careDate, l.quantity, l.sourceRef])).toEqual([
      ['fee', 'G', '2026-01-20', 1, 'rsf:8'],
      ['biology', '1104', '2026-01-20', 1, 'rsf:9#1'],
      ['biology', '0552', '2026-01-20', 2, 'rsf:9#2'],
    ]);
  });
});
