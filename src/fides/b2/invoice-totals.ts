/**
 * The type 5 of an invoice is computed from its lines [public: SFG FIDES ACE, RG_MF633]: count of 3x/4x records,
 * sums of the type-3 bases, AMO amounts, total expenses and AMC amounts, of the type-4 fees, AMO and AMC amounts,
 * and the patient share before AMC = Σ type-3 total expense − type-3 AMO + type-4 fees − type-4 AMO.
 * Used to fill a type 5 (invoice building) and to check one (invoice-rules.ts).
 */
import { type B2Record, type B2Values } from './b2-values';

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

export interface InvoiceTrailerTotals {
  lineRecordCount: number;
  totalHospitalBase: number;
  totalHospitalAmo: number;
  totalFees: number;
  totalFeesAmo: number;
  totalPatientShare: number;
  totalHospitalAmc: number;
  totalFeesAmc: number;
  totalHospitalBilled: number;
}

/** Totals of the lines (records 3x and 4x) among `records`; other records are ignored. */
export function invoiceTrailerTotals(records: readonly B2Record[]): InvoiceTrailerTotals {
  let lines = 0;
  let hBase = 0;
  let hAmo = 0;
  let hAmc = 0;
  let hBilled = 0;
  let fees = 0;
  let fAmo = 0;
  let fAmc = 0;
  for (const r of records) {
    const c = r.code.charCodeAt(0);
    if (c !== 51 && c !== 52) continue; // '3', '4'
    lines++;
    const v = r.values;
    if (r.code === '3') {
      hBase += num(v.reimbursementBase);
      hAmo += num(v.amoAmount);
      hAmc += num(v.amcAmount);
      hBilled += num(v.totalExpense);
    } else if (r.code === '4') {
      fees += num(v.feesAmount);
      fAmo += num(v.amoAmount);
      fAmc += num(v.amcAmount);
    }
  }
  return {
    lineRecordCount: lines,
    totalHospitalBase: hBase,
    totalHospitalAmo: hAmo,
    totalFees: fees,
    totalFeesAmo: fAmo,
    totalPatientShare: hBilled - hAmo + fees - fAmo,
    totalHospitalAmc: hAmc,
    totalFeesAmc: fAmc,
    totalHospitalBilled: hBilled,
  };
}

/**
 * A type 5 for these lines, carrying the identity of the type 2 (partner, NIR, rank, invoice number) plus `extra`
 * (e.g. editorReserved). A negative patient share is left negative: the writer refuses it (amounts are unsigned).
 */
export function invoiceTrailer(header: B2Values, records: readonly B2Record[], extra: B2Values = {}): B2Record {
  return {
    code: '5',
    values: {
      partnerNumber: header.partnerNumber,
      insuredNir: header.insuredNir,
      insuredNirKey: header.insuredNirKey,
      beneficiaryRank: header.beneficiaryRank,
      invoiceNumber: header.invoiceNumber,
      ...invoiceTrailerTotals(records),
      ...extra,
    },
  };
}
