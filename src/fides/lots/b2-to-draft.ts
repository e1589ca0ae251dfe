/**
 * The reverse of draft-to-b2.ts: the records of one B2 invoice (as read back by readB2File) → the comparable
 * projection of its draft (b2-invoice-projection.ts). Used to prove the writer lossless for what B2 carries, and
 * by whoever must show what a lot file holds (the AMO simulator, an audit).
 *
 * B2 dates have no century (AAMMJJ): dates of care are read in 20AA (billing is under a year old, RG_MF606); a birth
 * date is read in the latest century that does not put it after the entry date — so a patient over 100 reads as a
 * newborn: B2 cannot tell them apart, the RSF and the Claim can.
 */
import type { B2Invoice, B2Record, B2Values } from '../b2';
import type { InvoiceDraftLine } from '../invoice-draft';
import { canonical, canonicalLines, type B2InvoiceProjection, type ProjectedLine } from './b2-invoice-projection';

const str = (v: B2Values, k: string): string | undefined => (typeof v[k] === 'string' ? v[k] : undefined);
const num = (v: B2Values, k: string): number | undefined => (typeof v[k] === 'number' ? v[k] : undefined);

const careDate = (aammjj: string | undefined): string | undefined =>
  aammjj === undefined ? undefined : `20${aammjj.slice(0, 2)}-${aammjj.slice(2, 4)}-${aammjj.slice(4, 6)}`;

function birthDate(aammjj: string | undefined, entry: string | undefined): string | undefined {
  const in20 = careDate(aammjj);
  if (in20 === undefined) return undefined;
  return entry !== undefined && in20 > entry ? `19${in20.slice(2)}` : in20;
}

/** 3H splitCoefficient is read as the scaled integer; the draft keeps the 5 digits as written ("1+4"). */
const SPLIT_COEFFICIENT_DIGITS = 5;

function lineOf(r: B2Record, parent: ProjectedLine | undefined): ProjectedLine[] {
  const v = r.values;
  switch (r.code) {
    case '3':
      return [
        {
          kind: 'hospital-service',
          code: str(v, 'actCode') ?? '',
          careDate: careDate(str(v, 'stayStartDate')),
          quantity: num(v, 'quantity'),
          coefficient: num(v, 'coefficient'),
          unitPrice: num(v, 'unitPrice'),
          reimbursementBase: num(v, 'reimbursementBase'),
          rate: num(v, 'rate'),
          amoAmount: num(v, 'amoAmount'),
          totalBilled: num(v, 'totalExpense'),
          exemptionJustification: str(v, 'exemptionJustification'),
          treatmentMode: str(v, 'treatmentMode'),
          serviceDiscipline: str(v, 'serviceDiscipline'),
        },
      ];
    case '3F':
      return [
        {
          kind: 'lpp',
          code: str(v, 'lppCode') ?? '',
          quantity: num(v, 'quantity'),
          unitPrice: num(v, 'unitPrice'),
          totalBilled: num(v, 'totalBilled'),
        },
      ];
    case '3H': {
      const split = num(v, 'splitCoefficient');
      return [
        {
          kind: 'ucd',
          code: str(v, 'ucdCode') ?? '',
          quantity: num(v, 'quantity'),
          unitPrice: num(v, 'unitPurchasePrice'),
          totalBilled: num(v, 'totalBilled'),
          splitCoefficient: split === undefined ? undefined : String(split).padStart(SPLIT_COEFFICIENT_DIGITS, '0'),
        },
      ];
    }
    case '4':
      return [
        {
          kind: 'fee',
          code: str(v, 'actCode') ?? '',
          careDate: careDate(str(v, 'careDate')),
          quantity: num(v, 'quantity'),
          coefficient: num(v, 'coefficient'),
          count: num(v, 'count'),
          unitPrice: num(v, 'unitPrice'),
          reimbursementBase: num(v, 'reimbursementBase'),
          rate: num(v, 'rate'),
          amoAmount: num(v, 'amoAmount'),
          totalBilled: num(v, 'feesAmount'),
          exemptionJustification: str(v, 'exemptionJustification'),
          treatmentMode: str(v, 'treatmentMode'),
          serviceDiscipline: str(v, 'serviceDiscipline'),
          executantSpecialty: str(v, 'executantSpecialty'),
        },
      ];
    case '4B': {
      const out: ProjectedLine[] = [];
      for (let n = 1; n <= 5; n++) {
        const code = str(v, `nabmCode${n}`);
        if (code !== undefined)
          out.push({ kind: 'biology', code, careDate: careDate(str(v, `actDate${n}`)), quantity: num(v, `quantity${n}`) });
      }
      return out;
    }
    case '4M': {
      const modifiers = [1, 2, 3, 4].map((n) => str(v, `modifier${n}`)).filter((m): m is string => m !== undefined);
      const ccam: NonNullable<InvoiceDraftLine['ccam']> = {
        activity: str(v, 'activityCode'),
        phase: str(v, 'phaseCode'),
        modifiers,
        association: str(v, 'associationCode'),
        documentaryExtension: str(v, 'documentaryExtension'),
      };
      return [{ kind: 'ccam', code: str(v, 'ccamCode') ?? '', careDate: careDate(str(v, 'sessionDate')) ?? parent?.careDate, ccam }];
    }
    default:
      return [];
  }
}

export function b2InvoiceToProjection(invoice: B2Invoice): B2InvoiceProjection {
  const head = invoice.records[0];
  if (head?.code !== '2') throw new Error('a B2 invoice starts with a type 2');
  const h = head.values;
  const s = invoice.records.find((r) => r.code === '2S')?.values ?? {};
  // The rank is optional on type 2 (000 reads back absent) and mandatory on 2S, 3 and 4.
  const rank = str(h, 'beneficiaryRank') ?? invoice.records.map((r) => str(r.values, 'beneficiaryRank')).find((x) => x !== undefined);
  const entry = careDate(str(h, 'entryDate'));
  const lines: ProjectedLine[] = [];
  let parent: ProjectedLine | undefined;
  for (const r of invoice.records) {
    const got = lineOf(r, parent);
    if (r.code === '3' || r.code === '4') parent = got[0];
    lines.push(...got);
  }
  const benefitRegime = str(h, 'benefitRegime');
  return canonical({
    invoiceNumber: str(h, 'invoiceNumber') ?? '',
    entryNumber: str(h, 'entryNumber') ?? '',
    geographicFiness: str(h, 'partnerNumber') ?? '',
    patient: {
      insuredNir: str(h, 'insuredNir') ?? '',
      insuredNirKey: str(h, 'insuredNirKey') ?? '',
      beneficiaryNir: str(s, 'beneficiaryNir'),
      beneficiaryNirKey: str(s, 'beneficiaryNirKey'),
      beneficiaryRank: rank,
      birthDate: birthDate(str(h, 'birthDate'), entry),
      birthRank: str(h, 'birthRank'),
    },
    coverage: {
      grandRegime: str(h, 'grandRegime'),
      managingFund: str(h, 'managingFund'),
      managingCentre: str(h, 'managingCentre'),
      // [modelled mapping] draft-to-b2.ts writes the 2-character code gestion zero-padded to 3.
      managementCode: benefitRegime?.slice(1),
      insuranceNature: str(h, 'insuranceNature'),
      exemptionJustification: str(h, 'exemptionJustification'),
      carePathwayIndicator: str(s, 'carePathwayIndicator'),
      accidentReference: str(h, 'accidentReference'),
      contractType: str(h, 'contractType'),
      complementaryOrganism: str(h, 'complementaryOrganism'),
    },
    stay: { start: entry, end: careDate(str(h, 'exitDate')) },
    lines: canonicalLines(lines),
  });
}
