/**
 * Test-only: a clean ACE invoice draft and a context with in-memory ports, from which each spec changes one thing.
 * Fictitious identities (department 99, keys computed), FINESS 99… with valid check digits.
 */
import { computeNirKey } from '../../identifiers';
import type { InvoiceDraft, InvoiceDraftLine } from '../invoice-draft';
import type { LatestRightsAnswer, RightsAnswerQuery } from './preflight-ports';
import type { PreflightContext } from './preflight-rule';

export const INSURED = '1850799123456';
export const CHILD = '2150199000123';
export const TODAY = '2026-03-10';
export const NOW = new Date('2026-03-10T09:00:00Z');
export const DAY_MS = 86_400_000;

const fee = (over: Partial<InvoiceDraftLine> = {}): InvoiceDraftLine => ({
  kind: 'fee',
  sourceRef: 'claim:1',
  code: 'CS',
  careDate: '2026-03-02',
  quantity: 1,
  coefficient: 100,
  count: 1,
  unitPrice: 3000,
  reimbursementBase: 3000,
  rate: 70,
  amoAmount: 2100,
  totalBilled: 3000,
  exemptionJustification: '0',
  ...over,
});

export const line = fee;

export function cleanDraft(): InvoiceDraft {
  return {
    source: 'fhir-claim',
    invoiceNumber: '000004711',
    entryNumber: '260300001',
    geographicFiness: '990000028',
    declaredFiness: '990000010',
    patient: {
      insuredNir: INSURED,
      insuredNirKey: computeNirKey(INSURED),
      beneficiaryRank: '000',
      birthDate: '1985-07-14',
      birthRank: '1',
      ipp: 'IPP0001',
    },
    coverage: {
      grandRegime: '01',
      managingFund: '751',
      managingCentre: '0001',
      managementCode: '10',
      insuranceNature: '10',
      exemptionJustification: '0',
    },
    stay: { start: '2026-03-02', end: '2026-03-02' },
    lines: [
      fee(),
      fee({
        sourceRef: 'claim:2',
        code: 'ATM',
        coefficient: 100,
        unitPrice: 500,
        reimbursementBase: 500,
        amoAmount: 350,
        totalBilled: 500,
      }),
    ],
    statedTotals: { feesBilled: 3500, feesAmo: 2450 },
  };
}

/** A draft with `patch` applied at the top, patient, coverage or stay level. */
export function draftWith(patch: {
  top?: Partial<InvoiceDraft>;
  patient?: Partial<InvoiceDraft['patient']>;
  coverage?: Partial<InvoiceDraft['coverage']>;
  stay?: Partial<InvoiceDraft['stay']>;
  lines?: readonly InvoiceDraftLine[];
}): InvoiceDraft {
  const d = cleanDraft();
  return {
    ...d,
    ...patch.top,
    patient: { ...d.patient, ...patch.patient },
    coverage: { ...d.coverage, ...patch.coverage },
    stay: { ...d.stay, ...patch.stay },
    lines: patch.lines ?? d.lines,
  };
}

export function openAnswer(over: Partial<LatestRightsAnswer> = {}): LatestRightsAnswer {
  return {
    answeredAt: new Date(NOW.getTime() - DAY_MS),
    status: 'OPEN',
    grandRegime: '01',
    caisse: '751',
    centre: '0001',
    periods: [{ start: '2025-01-01' }],
    exonerations: [],
    ...over,
  };
}

export interface TestPorts {
  readonly rightsQueries: RightsAnswerQuery[];
  readonly numberQueries: { finess: string; number: string; version: number }[];
}

/** A context whose ports answer `answer` and `taken`, recording what they were asked. */
export function testContext(
  opts: { answer?: LatestRightsAnswer | null; taken?: boolean; ctx?: Partial<PreflightContext> } = {},
): PreflightContext & { ports: TestPorts } {
  const ports: TestPorts = { rightsQueries: [], numberQueries: [] };
  const answer = opts.answer === null ? undefined : (opts.answer ?? openAnswer());
  return {
    today: TODAY,
    now: NOW,
    maxRightsAnswerAgeMs: 7 * DAY_MS,
    legalFiness: '990000010',
    invoiceVersion: 1,
    rights: {
      latestRightsAnswer: (q) => {
        ports.rightsQueries.push(q);
        return Promise.resolve(answer);
      },
    },
    invoiceNumbers: {
      isInvoiceNumberTaken: (finess, number, version) => {
        ports.numberQueries.push({ finess, number, version });
        return Promise.resolve(opts.taken ?? false);
      },
    },
    ...opts.ctx,
    ports,
  };
}
