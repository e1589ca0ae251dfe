/**
 * The invoices of the two sample lot files kept beside their test (ace-lot.b2, stay-lot.b2). Fictitious: FINESS
 * 99000001-0 / 99000002-8 (département 99 does not exist; Luhn digits valid), NIRs with valid keys that name nobody.
 *
 * ACE: one external consultation — an NGAP CS (type 4 + 4S) and a CCAM ECG DEQP003 under its grouping code ATM
 * (type 4 + 4S + 4M), as RG_MF600 routes NGAP to 4/4S/4E and CCAM to 4/4S/4E/4M.
 * Stay: one MCO stay — the GHS on a type 3 (GHS number at [03110]) and the forfait journalier FJ on a type 3, each
 * with its 3S. The SFG FIDES ACE covers consultations only; using type 3 for a stay's GHS and FJ is our model
 * (LAYOUTS.md).
 */
import { type B2Invoice, type B2Record, type B2Values } from '../b2-values';
import { invoiceTrailer } from '../invoice-totals';

export const SAMPLE_FINESS_GEO = '990000010';
export const SAMPLE_FINESS_JUR = '990000028';

const identity = (invoiceNumber: string): B2Values => ({
  partnerNumber: SAMPLE_FINESS_GEO,
  insuredNir: '2850375123456',
  insuredNirKey: '88',
  beneficiaryRank: '000',
  invoiceNumber,
});

const noRank = (invoiceNumber: string): B2Values => ({ ...identity(invoiceNumber), beneficiaryRank: undefined });

function header(invoiceNumber: string, entry: string, exit: string, exitHour: string): B2Record[] {
  return [
    {
      code: '2',
      values: {
        ...identity(invoiceNumber),
        entryNumber: '000012345',
        grandRegime: '01',
        managingFund: '751',
        managingCentre: '0001',
        rightsProofNature: '1',
        insuranceNature: '10',
        exemptionJustification: '0',
        hospitalisationDate: entry,
        birthDate: '1985-03-14',
        entryDate: entry,
        exitDate: exit,
        exitHour,
        contractType: '00',
      },
    },
    {
      code: '2S',
      values: {
        ...identity(invoiceNumber),
        titleComplement: '000100',
        beneficiaryNir: '2850375123456',
        beneficiaryNirKey: '88',
        referringDoctorFlag: 'O',
        referringDoctorName: 'Dupont-Léger',
        referringDoctorFirstName: 'Hélène',
        referringDoctorNumber: '751234567',
        carePathwayIndicator: 'T',
      },
    },
  ];
}

function withTrailer(records: B2Record[]): B2Invoice {
  return { records: [...records, invoiceTrailer(records[0].values, records)] };
}

export function aceSampleInvoice(): B2Invoice {
  const n = '260000001';
  const act = (actCode: string, unitPrice: number, amoAmount: number): B2Record => ({
    code: '4',
    values: {
      ...identity(n),
      prescriberNumber: SAMPLE_FINESS_GEO,
      executantNumber: SAMPLE_FINESS_GEO,
      careDate: '2026-11-20',
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
  const complement: B2Record = { code: '4S', values: { ...noRank(n), priorAgreementCode: '0', activityDomain: 'C' } };
  return withTrailer([
    ...header(n, '2026-11-20', '2026-11-20', '11'),
    act('CS', 3000, 2100),
    complement,
    act('ATM', 1426, 998),
    complement,
    { code: '4M', values: { ...noRank(n), sequence: '01', ccamCode: 'DEQP003', activityCode: '1', sessionDate: '2026-11-20' } },
  ]);
}

export function staySampleInvoice(): B2Invoice {
  const n = '260000002';
  const line = (actCode: string, extra: B2Values): B2Record => ({
    code: '3',
    values: { ...identity(n), stayStartDate: '2026-11-02', stayEndDate: '2026-11-06', actCode, coefficient: 100, ...extra },
  });
  const complement: B2Record = {
    code: '3S',
    values: {
      ...identity(n),
      prescriberNumber: SAMPLE_FINESS_GEO,
      prescriberSpecialty: '00',
      prescriptionDate: '2026-11-02',
      priorAgreementCode: '0',
    },
  };
  return withTrailer([
    ...header(n, '2026-11-02', '2026-11-06', '14'),
    line('GHS', {
      quantity: 1,
      unitPrice: 250000,
      reimbursementBase: 250000,
      rate: 80,
      amoAmount: 200000,
      totalExpense: 250000,
      ghsNumber: '1234',
    }),
    complement,
    line('FJ', { quantity: 4, unitPrice: 2000, reimbursementBase: 8000, rate: 0, amoAmount: 0, totalExpense: 8000 }),
    complement,
  ]);
}

export const sampleFileHeader = (grandRegime: string, managingFund: string): B2Values => ({
  emitterId: SAMPLE_FINESS_JUR,
  grandRegime,
  managingFund,
  fileNumber: '000001',
  creationDate: '2026-12-01',
  creationTime: '0730',
  normVersion: 'B22005E',
  testIndicator: 'T',
  softwareId: 'PASSERELLE',
});

export const sampleLotHeader = (lotKind: 'A' | 'S'): B2Values => ({
  partnerNumber: SAMPLE_FINESS_GEO,
  grandRegime: '01',
  managingFund: '751',
  creationDate: '2026-12-01',
  lotKind,
});
