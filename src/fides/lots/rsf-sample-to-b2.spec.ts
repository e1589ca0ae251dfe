/**
 * The RSF sample month (a stay and an ACE) → drafts → B2 records → a lot file → parsed back: the records expected
 * for each invoice, and the same invoices read back.
 */
import { checkEnvelope, readB2File } from '../b2';
import type { B2Invoice } from '../b2';
import { b2InvoiceToProjection } from './b2-to-draft';
import { projectDraft } from './b2-invoice-projection';
import { draftToB2Invoice } from './draft-to-b2';
import { writeLotFile } from './lot-file-writer';
import { collect, rsfSampleDrafts, TEST_CONTEXT, TEST_ENVELOPE } from './lots.test-support';

async function sampleInvoices(): Promise<B2Invoice[]> {
  return (await rsfSampleDrafts()).map((d) => {
    const r = draftToB2Invoice(d, TEST_CONTEXT);
    if (!r.ok) throw new Error(r.problems.map((p) => p.message).join('\n'));
    return r.invoice;
  });
}

describe('RSF sample → B2 invoices', () => {
  it('maps the stay: 2, 2S, GHS on 3 + 3S with its LPP (3F) and UCD (3H), the fee with its CCAM act (4, 4S, 4M), 5', async () => {
    const [stay] = await sampleInvoices();
    expect(stay.records.map((r) => r.code)).toEqual(['2', '2S', '3', '3S', '3F', '3H', '4', '4S', '4M', '5']);
    const [h, s, ghs, ghsS, lpp, ucd, fee, , ccam, total] = stay.records.map((r) => r.values);
    expect(h).toMatchObject({
      partnerNumber: '990000028',
      insuredNir: '1850799123456',
      insuredNirKey: '39',
      beneficiaryRank: '000',
      invoiceNumber: '000004711',
      entryNumber: '260100001',
      grandRegime: '01',
      managingFund: '751',
      managingCentre: '0001',
      benefitRegime: '010',
      insuranceNature: '10',
      exemptionJustification: '0',
      hospitalisationDate: '2026-01-05',
      birthDate: '1985-07-14',
      entryDate: '2026-01-05',
      exitDate: '2026-01-08',
      exitHour: '12',
    });
    // Beneficiary = insured: no own NIR on the 2S, which is there for the parcours de soins.
    expect(s).toMatchObject({ carePathwayIndicator: 'T', beneficiaryNir: undefined });
    expect(ghs).toMatchObject({ actCode: 'GHS', stayStartDate: '2026-01-05', stayEndDate: '2026-01-08', quantity: 1, rate: 80 });
    expect(ghs).toMatchObject({ unitPrice: 450000, reimbursementBase: 450000, amoAmount: 360000, totalExpense: 450000 });
    expect(ghsS).toMatchObject({ prescriberNumber: '990000028', prescriptionDate: '2026-01-05', priorAgreementCode: '0' });
    expect(lpp).toMatchObject({ sequence: '01', lppCode: '3170001', quantity: 1, unitPrice: 15000, totalBilled: 15000 });
    expect(ucd).toMatchObject({ sequence: '01', ucdCode: '9391234', splitCoefficient: 1000, unitPurchasePrice: 125050, quantity: 2 });
    expect(fee).toMatchObject({ actCode: 'ADE', careDate: '2026-01-06', coefficient: 100, feesAmount: 4794, amoAmount: 3356 });
    expect(ccam).toMatchObject({ sequence: '01', ccamCode: 'DZQM006', activityCode: '1', modifier1: 'F', modifier2: 'U' });
    expect(total).toMatchObject({
      lineRecordCount: 7,
      totalHospitalBase: 450000,
      totalHospitalAmo: 360000,
      totalFees: 4794,
      totalFeesAmo: 3356,
      totalHospitalBilled: 450000,
    });
  });

  it('maps the ACE: 2, 2S with the beneficiary’s own NIR, the G consultation with two NABM acts on one 4B, 5', async () => {
    const [, ace] = await sampleInvoices();
    expect(ace.records.map((r) => r.code)).toEqual(['2', '2S', '4', '4S', '4B', '5']);
    const [, s, fee, , bio, total] = ace.records.map((r) => r.values);
    expect(s).toMatchObject({ beneficiaryNir: '1201099000111', beneficiaryNirKey: '32', carePathwayIndicator: 'T' });
    expect(fee).toMatchObject({ actCode: 'G', careDate: '2026-01-20', rate: 100, amoAmount: 3000, executantSpecialty: '01' });
    expect(bio).toMatchObject({ sequence: '01', nabmCode1: '1104', quantity1: 1, nabmCode2: '0552', quantity2: 2, actDate2: '2026-01-20' });
    expect(total).toMatchObject({ lineRecordCount: 3, totalFees: 3000, totalFeesAmo: 3000, totalPatientShare: 0 });
  });

  it('writes both in one lot file that parses back to the same invoices, envelope counts checked', async () => {
    const drafts = await rsfSampleDrafts();
    const { out, text } = collect();
    const lots = await writeLotFile(out, { grandRegime: '01', managingFund: '751' }, TEST_ENVELOPE, await sampleInvoices(), {
      maxInvoicesPerLot: 100,
      nextLotNumber: () => '7',
    });
    expect(lots).toEqual([{ lotNumber: '007', partnerNumber: '990000028', invoiceNumbers: ['000004711', '000004712'] }]);
    const reading = readB2File(text());
    expect(checkEnvelope(reading)).toEqual([]);
    expect(reading.header.values).toMatchObject({ grandRegime: '01', managingFund: '751', managingCentre: '0001' });
    expect(reading.lots[0].trailer.values).toMatchObject({ invoiceCount: 2, recordCount: 18, totalBilled: 457794, totalAmo: 366356 });
    const read = reading.lots[0].invoices;
    expect(read.map((inv) => inv.records.map((r) => r.code).join(' '))).toEqual(['2 2S 3 3S 3F 3H 4 4S 4M 5', '2 2S 4 4S 4B 5']);
    expect(read.map((inv) => b2InvoiceToProjection(inv))).toEqual(drafts.map((d) => projectDraft(d)));
  });
});
