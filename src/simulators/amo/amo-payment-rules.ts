/**
 * How the simulated AMO settles one invoice — deterministic, and consistent with the CDRi simulator: the patient's
 * rights are what `simulateRights` answers for the invoice's beneficiary at its first date of care (so a NIR that the
 * CDRi simulator says CLOSED is rejected here too). MODELLED rules (not the insurers' real liquidation):
 *
 * 0. an invoice breaking the public invoice rules (structure, type-5 totals: checkInvoice) → reject FA005;
 * 1. invalid NIR, FINESS or date → reject NI004 / FA005;
 * 2. patient unknown (UNKNOWN scenario, or a FAMILY birth date matching nobody) → reject BI002 "bénéficiaire inconnu";
 * 3. rights not open at the date of care (CLOSED scenario, AME out of its year) → reject DF001 "droits fermés";
 * 4. (grand régime, caisse) of the invoice ≠ the patient's organism → reject CG003 "caisse gestionnaire erronée";
 * 5. ALD exoneration open at the date of care → each line billed at a non-zero rate is paid at 100 % of its base
 *    (a line at 0 %, e.g. the forfait journalier, stays unpaid); paid ≠ billed → outcome S with warning SG101;
 * 6. otherwise paid at the billed rate: paid amount = billed AMO amount (type-5 totals).
 *
 * The CDRi front-end scenarios (SOAP fault, HTTP 500, rate limited, slow) are about the rights service, not the
 * patient: here they are ordinary patients with open rights in their birth département's caisse.
 */
import { type AmoRightsAnswer, type AmoRightsQuery } from '../../cdri/amo-rights.port';
import { type B2Invoice, type B2Values, checkInvoice, toB2Date } from '../../fides/b2';
import { organismOf, scenarioOf, simulateRights } from '../cdri/simulated-patients';
import { RSP_MOTIVES, type RspMotive } from './amo-return-codes';

export type InvoiceSettlement =
  | { readonly outcome: 'P'; readonly billedAmount: number; readonly paidAmount: number }
  | { readonly outcome: 'S'; readonly billedAmount: number; readonly paidAmount: number; readonly motive: RspMotive }
  | { readonly outcome: 'R'; readonly billedAmount: number; readonly motive: RspMotive };

/** What the rules read of an invoice (values as the B2 parser returns them). */
export interface InvoiceFacts {
  /** Beneficiary's NIR with its key (15 characters): the 2S one when given, else the insured's. */
  readonly nir: string;
  /** Insured's NIR with key, when the beneficiary is someone else. */
  readonly assureNir?: string;
  readonly birthDate?: string;
  readonly birthRank?: number;
  /** First date of care, YYYY-MM-DD. */
  readonly dateOfCare?: string;
  readonly finess: string;
  readonly grandRegime: string;
  readonly managingFund: string;
  /** Σ type-5 AMO totals: what was billed to the AMO. */
  readonly billedAmo: number;
  /** Codes of the invoice rules it breaks (checkInvoice of src/fides/b2), empty when sound. */
  readonly ruleViolations: readonly string[];
  /** Per line (3 and 4): base and rate, for the ALD 100 % rule. */
  readonly lines: readonly { readonly base: number; readonly rate: number }[];
}

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** A date as read (AAMMJJ) or as written (YYYY-MM-DD) → AAMMJJ. */
const b2Date = (v: string | undefined): string | undefined => (v === undefined ? undefined : toB2Date(v));

/** Date of care → YYYY-MM-DD (care is billed within the year: 20AA). */
function careIso(value: string | undefined): string | undefined {
  const aammjj = b2Date(value);
  if (aammjj === undefined) return undefined;
  return `20${aammjj.slice(0, 2)}-${aammjj.slice(2, 4)}-${aammjj.slice(4, 6)}`;
}

/** Birth date → YYYY-MM-DD, the century being the one that does not put it after the care. */
function birthIso(value: string | undefined, care: string | undefined): string | undefined {
  const aammjj = b2Date(value);
  if (aammjj === undefined) return undefined;
  const careYy = care !== undefined ? Number(care.slice(2, 4)) : 99;
  const century = Number(aammjj.slice(0, 2)) > careYy ? '19' : '20';
  return `${century}${aammjj.slice(0, 2)}-${aammjj.slice(2, 4)}-${aammjj.slice(4, 6)}`;
}

/** Reads the facts the rules need from a parsed B2 invoice (type 2 first, type 5 last). */
export function invoiceFacts(invoice: B2Invoice): InvoiceFacts {
  const recs = invoice.records;
  const h: B2Values = recs[0]?.values ?? {};
  const s: B2Values = recs.find((r) => r.code === '2S')?.values ?? {};
  const t: B2Values = recs.find((r) => r.code === '5')?.values ?? {};
  const insured = `${str(h.insuredNir) ?? ''}${str(h.insuredNirKey) ?? ''}`;
  const own = str(s.beneficiaryNir) !== undefined ? `${str(s.beneficiaryNir)}${str(s.beneficiaryNirKey) ?? ''}` : undefined;
  let firstCare: string | undefined;
  const lines: { base: number; rate: number }[] = [];
  for (const r of recs) {
    if (r.code !== '3' && r.code !== '4') continue;
    lines.push({ base: num(r.values.reimbursementBase), rate: num(r.values.rate) });
    const d = str(r.code === '4' ? r.values.careDate : r.values.stayStartDate);
    const day = b2Date(d);
    if (day !== undefined && (firstCare === undefined || day < firstCare)) firstCare = day;
  }
  const dateOfCare = careIso(firstCare ?? str(h.entryDate));
  return {
    nir: own ?? insured,
    assureNir: own !== undefined && own !== insured ? insured : undefined,
    birthDate: birthIso(str(h.birthDate), dateOfCare),
    birthRank: typeof h.birthRank === 'string' ? Number(h.birthRank) : undefined,
    dateOfCare,
    finess: str(h.partnerNumber) ?? '',
    grandRegime: str(h.grandRegime) ?? '',
    managingFund: str(h.managingFund) ?? '',
    billedAmo: num(t.totalHospitalAmo) + num(t.totalFeesAmo),
    ruleViolations: checkInvoice(invoice).map((v) => v.code),
    lines,
  };
}

/** The patient as the insurer's files know it: the CDRi simulator's answer (or an override), see file comment. */
export type RightsLookup = (query: AmoRightsQuery) => AmoRightsAnswer | RspMotive;

export const simulatedRights: RightsLookup = (query) => {
  const outcome = simulateRights(query);
  if (outcome.kind === 'answer') return outcome.answer;
  if (outcome.kind === 'fault' && outcome.code === 'NIR_INVALIDE') return RSP_MOTIVES.invalidNir;
  // A Sender fault outside the FAULT scenario: the FINESS or a date of the invoice is wrong.
  if (outcome.kind === 'fault' && scenarioOf(query.nir) !== 'FAULT') return RSP_MOTIVES.invalidInvoice;
  // Front-end scenarios of the rights service (FAULT, HTTP 500, 429): an ordinary patient with open rights.
  const year = Number(query.dateOfCare.slice(0, 4));
  return {
    status: 'OPEN',
    organism: organismOf(query.nir, '01'),
    periods: [{ start: `${year - 1}-01-01` }],
    c2s: false,
    ame: false,
    maternity: false,
    insurerReference: 'SIM-AMO',
  };
};

const openOn = (answer: AmoRightsAnswer, day: string): boolean =>
  answer.status === 'OPEN' && answer.periods.some((p) => p.start <= day && (p.end === undefined || day <= p.end));

/** The settlement of one invoice (pure: same facts, same answer). */
export function settleInvoice(facts: InvoiceFacts, lookup: RightsLookup = simulatedRights): InvoiceSettlement {
  const billedAmount = facts.billedAmo;
  const reject = (motive: RspMotive): InvoiceSettlement => ({ outcome: 'R', billedAmount, motive });
  if (facts.ruleViolations.length > 0 || facts.dateOfCare === undefined) return reject(RSP_MOTIVES.invalidInvoice);
  const answer = lookup({
    nir: facts.nir,
    assureNir: facts.assureNir,
    birthDate: facts.birthDate,
    birthRank: facts.birthRank,
    dateOfCare: facts.dateOfCare,
    finess: facts.finess,
    correlationId: 'amo-simulator',
  });
  if (!('status' in answer)) return reject(answer);
  if (answer.status === 'UNKNOWN_PATIENT') return reject(RSP_MOTIVES.unknownPatient);
  if (!openOn(answer, facts.dateOfCare)) return reject(RSP_MOTIVES.rightsClosed);
  const org = answer.organism;
  if (org === undefined || org.grandRegime !== facts.grandRegime || org.caisse !== facts.managingFund) {
    return reject(RSP_MOTIVES.wrongFund);
  }
  const ald = answer.exoneration?.code === '4' && (answer.exoneration.end === undefined || facts.dateOfCare <= answer.exoneration.end);
  if (!ald) return { outcome: 'P', billedAmount, paidAmount: billedAmount };
  const paidAmount = facts.lines.reduce((n, l) => n + (l.rate > 0 ? l.base : 0), 0);
  if (paidAmount === billedAmount) return { outcome: 'P', billedAmount, paidAmount };
  return { outcome: 'S', billedAmount, paidAmount, motive: RSP_MOTIVES.aldFullRate };
}
