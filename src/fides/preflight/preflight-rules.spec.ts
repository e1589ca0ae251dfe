import { computeNirKey } from '../../identifiers';
import type { InvoiceDraft, InvoiceDraftLine } from '../invoice-draft';
import type { PreflightContext } from './preflight-rule';
import { PREFLIGHT_RULES } from './preflight-rules';
import { CHILD, cleanDraft, DAY_MS, draftWith, INSURED, line, NOW, openAnswer, testContext } from './preflight.test-support';
import { runPreflight } from './run-preflight';

interface Case {
  readonly draft: InvoiceDraft;
  readonly ctx?: PreflightContext;
}
interface RuleCase {
  readonly code: string;
  /** Trips the rule, which reports these fields. */
  readonly trips: Case & { fields: string[] };
  /** The nearest passing variant (the clean draft passes every rule, checked separately). */
  readonly passes: Case;
}

const badKey = computeNirKey(INSURED) === '01' ? '02' : '01';
const ald = { coverage: { exemptionJustification: '4' } };
// The lines leave the justification to the invoice (a line's own '0' would say "this act is not the ALD's").
const aldLines = [
  line({ rate: 100, amoAmount: 3000, exemptionJustification: undefined }),
  line({
    sourceRef: 'claim:2',
    rate: 100,
    amoAmount: 500,
    code: 'ATM',
    unitPrice: 500,
    reimbursementBase: 500,
    totalBilled: 500,
    exemptionJustification: undefined,
  }),
];
const aldAt70 = cleanDraft().lines.map((l) => ({ ...l, exemptionJustification: undefined }));
const aldTotals = { feesBilled: 3500, feesAmo: 3500 };
const withChild = { patient: { beneficiaryNir: CHILD, beneficiaryNirKey: computeNirKey(CHILD), birthDate: '2015-01-20' } };

const CASES: readonly RuleCase[] = [
  {
    code: 'PF-INVOICE-NUMBER',
    trips: { draft: draftWith({ top: { invoiceNumber: '000000000' } }), fields: ['invoiceNumber'] },
    passes: { draft: draftWith({ top: { invoiceNumber: '1' } }) },
  },
  {
    code: 'PF-INVOICE-DUPLICATE',
    trips: { draft: cleanDraft(), ctx: testContext({ taken: true }), fields: ['invoiceNumber'] },
    passes: { draft: cleanDraft(), ctx: testContext({ taken: false }) },
  },
  {
    code: 'PF-NIR',
    trips: { draft: draftWith({ patient: { insuredNir: '18507991234' } }), fields: ['patient.insuredNir'] },
    passes: { draft: draftWith({ patient: { insuredNir: '1850799123457', insuredNirKey: computeNirKey('1850799123457') } }) },
  },
  {
    code: 'PF-NIR-KEY',
    trips: { draft: draftWith({ patient: { insuredNirKey: badKey } }), fields: ['patient.insuredNirKey'] },
    passes: { draft: cleanDraft() },
  },
  {
    code: 'PF-BENEFICIARY-NIR',
    trips: {
      draft: draftWith({ patient: { beneficiaryNir: '2150199X00123', beneficiaryNirKey: '12', birthDate: '2015-01-20' } }),
      fields: ['patient.beneficiaryNir'],
    },
    passes: { draft: draftWith(withChild) },
  },
  {
    code: 'PF-BENEFICIARY-NIR-KEY',
    trips: {
      draft: draftWith({ patient: { ...withChild.patient, beneficiaryNirKey: computeNirKey(CHILD) === '01' ? '02' : '01' } }),
      fields: ['patient.beneficiaryNirKey'],
    },
    passes: { draft: draftWith(withChild) },
  },
  {
    code: 'PF-FINESS-GEO',
    trips: { draft: draftWith({ top: { geographicFiness: '990000029' } }), fields: ['geographicFiness'] },
    passes: { draft: draftWith({ top: { geographicFiness: '990000010' } }) },
  },
  {
    code: 'PF-FINESS-LEGAL',
    trips: { draft: cleanDraft(), ctx: testContext({ ctx: { legalFiness: '990000011' } }), fields: ['legalFiness'] },
    passes: { draft: cleanDraft(), ctx: testContext({ ctx: { legalFiness: '990000028' } }) },
  },
  {
    code: 'PF-FINESS-DECLARED',
    trips: { draft: draftWith({ top: { declaredFiness: '99000001' } }), fields: ['declaredFiness'] },
    passes: { draft: draftWith({ top: { declaredFiness: undefined } }) },
  },
  {
    code: 'PF-RANK',
    trips: { draft: draftWith({ patient: { beneficiaryRank: '01' } }), fields: ['patient.beneficiaryRank'] },
    passes: { draft: draftWith({ patient: { beneficiaryRank: undefined } }) },
  },
  {
    code: 'PF-RANK-REGIME',
    trips: { draft: draftWith({ patient: { beneficiaryRank: '002' } }), fields: ['patient.beneficiaryRank'] },
    // Another régime numbers its beneficiaries (the organism is then that régime's, as the CDRi answer says).
    passes: {
      draft: draftWith({ patient: { beneficiaryRank: '002' }, coverage: { grandRegime: '02' } }),
      ctx: testContext({ answer: openAnswer({ grandRegime: '02' }) }),
    },
  },
  {
    code: 'PF-BIRTH-RANK',
    trips: { draft: draftWith({ patient: { birthRank: '0' } }), fields: ['patient.birthRank'] },
    passes: { draft: draftWith({ patient: { birthRank: '2' } }) },
  },
  {
    code: 'PF-BIRTH-DATE',
    trips: { draft: draftWith({ patient: { birthDate: '2026-03-05' } }), fields: ['patient.birthDate'] },
    passes: { draft: draftWith({ patient: { birthDate: '2026-03-02' } }) },
  },
  {
    code: 'PF-BIRTH-NIR',
    trips: { draft: draftWith({ patient: { ...withChild.patient, birthDate: '2015-02-20' } }), fields: ['patient.birthDate'] },
    passes: { draft: draftWith(withChild) },
  },
  {
    code: 'PF-MANDATORY',
    trips: {
      draft: draftWith({
        coverage: { managingFund: undefined },
        lines: [line({ rate: undefined }), line({ sourceRef: 'claim:2', code: ' ' })],
      }),
      fields: ['coverage.managingFund', 'lines[0].rate', 'lines[1].code'],
    },
    // Facultative in B2 (type 4 executantSpecialty, type 2 birthRank): may be absent.
    passes: {
      draft: draftWith({
        patient: { birthRank: undefined },
        lines: cleanDraft().lines.map((l) => ({ ...l, executantSpecialty: undefined })),
      }),
    },
  },
  {
    code: 'PF-LINES',
    trips: { draft: { ...draftWith({ lines: [] }), statedTotals: {} }, fields: ['lines'] },
    passes: { draft: { ...draftWith({ lines: [line()] }), statedTotals: {} } },
  },
  {
    code: 'PF-FIELD-LENGTH',
    trips: {
      draft: draftWith({ lines: [line({ code: 'CSMGE' }), line({ sourceRef: 'claim:2', code: 'ATMXYZ' })] }),
      fields: ['lines[1].code'],
    },
    passes: { draft: draftWith({ lines: [line({ code: 'CSMGE' }), line({ sourceRef: 'claim:2' })] }) },
  },
  {
    code: 'PF-FIELD-FORMAT',
    trips: { draft: draftWith({ coverage: { managingFund: '75A' } }), fields: ['coverage.managingFund'] },
    passes: { draft: draftWith({ coverage: { managingFund: '075' } }) },
  },
  {
    code: 'PF-STAY-DATES',
    trips: {
      draft: draftWith({ stay: { start: '2026-03-02', end: '2026-03-01' }, lines: [line({ careDate: '2026-03-01' })] }),
      fields: ['stay.end'],
    },
    passes: { draft: draftWith({ stay: { end: undefined } }) },
  },
  {
    code: 'PF-CARE-DATE',
    trips: { draft: draftWith({ lines: [line({ careDate: '2026-02-30' })] }), fields: ['lines[0].careDate'] },
    passes: { draft: draftWith({ lines: [line({ careDate: undefined })] }) },
  },
  {
    code: 'PF-CARE-IN-STAY',
    trips: { draft: draftWith({ lines: [line(), line({ sourceRef: 'claim:2', careDate: '2026-03-03' })] }), fields: ['lines[1].careDate'] },
    passes: { draft: draftWith({ stay: { end: '2026-03-03' }, lines: [line(), line({ sourceRef: 'claim:2', careDate: '2026-03-03' })] }) },
  },
  {
    code: 'PF-CARE-FUTURE',
    trips: {
      draft: draftWith({ stay: { start: '2026-03-10', end: '2026-03-11' }, lines: [line({ careDate: '2026-03-11' })] }),
      fields: ['stay.end', 'lines[0].careDate'],
    },
    passes: { draft: draftWith({ stay: { start: '2026-03-10', end: '2026-03-10' }, lines: [line({ careDate: '2026-03-10' })] }) },
  },
  {
    code: 'PF-BILLING-DELAY',
    trips: {
      draft: draftWith({ stay: { start: '2025-03-10', end: '2025-03-10' }, lines: [line({ careDate: '2025-03-10' })] }),
      ctx: testContext({ answer: openAnswer({ periods: [{ start: '2020-01-01' }] }) }),
      fields: ['lines[0].careDate'],
    },
    passes: {
      draft: draftWith({ stay: { start: '2025-03-11', end: '2025-03-11' }, lines: [line({ careDate: '2025-03-11' })] }),
      ctx: testContext({ answer: openAnswer({ periods: [{ start: '2020-01-01' }] }) }),
    },
  },
  {
    code: 'PF-TOTALS',
    trips: {
      draft: { ...cleanDraft(), statedTotals: { feesBilled: 3500, feesAmo: 2400, hospitalBase: 1 } },
      fields: ['statedTotals.hospitalBase', 'statedTotals.feesAmo'],
    },
    passes: { draft: { ...cleanDraft(), statedTotals: {} } },
  },
  {
    code: 'PF-RATE-EXONERATION',
    trips: {
      draft: draftWith({ ...ald, lines: aldAt70 }),
      ctx: testContext({ answer: openAnswer({ exonerations: [{ code: '4' }] }) }),
      fields: ['lines[0].rate', 'lines[1].rate'],
    },
    passes: {
      draft: { ...draftWith({ ...ald, lines: aldLines }), statedTotals: aldTotals },
      ctx: testContext({ answer: openAnswer({ exonerations: [{ code: '4' }] }) }),
    },
  },
  {
    code: 'PF-RATE-RANGE',
    trips: { draft: draftWith({ lines: [line({ rate: 101 })] }), fields: ['lines[0].rate'] },
    passes: { draft: { ...draftWith({ lines: [line({ rate: 0, amoAmount: 0 })] }), statedTotals: {} } },
  },
  {
    code: 'PF-CDRI-NONE',
    trips: { draft: cleanDraft(), ctx: testContext({ answer: null }), fields: ['patient'] },
    passes: { draft: cleanDraft() },
  },
  {
    code: 'PF-CDRI-STALE',
    trips: {
      draft: cleanDraft(),
      ctx: testContext({ answer: openAnswer({ answeredAt: new Date(NOW.getTime() - 8 * DAY_MS) }) }),
      fields: ['patient'],
    },
    passes: { draft: cleanDraft(), ctx: testContext({ answer: openAnswer({ answeredAt: new Date(NOW.getTime() - 7 * DAY_MS) }) }) },
  },
  {
    code: 'PF-CDRI-UNKNOWN-PATIENT',
    trips: {
      draft: cleanDraft(),
      ctx: testContext({ answer: openAnswer({ status: 'UNKNOWN_PATIENT', periods: [] }) }),
      fields: ['patient.insuredNir'],
    },
    passes: { draft: cleanDraft() },
  },
  {
    code: 'PF-CDRI-RIGHTS-CLOSED',
    trips: {
      draft: draftWith({ stay: { end: '2026-03-04' }, lines: [line(), line({ sourceRef: 'claim:2', careDate: '2026-03-04' })] }),
      ctx: testContext({ answer: openAnswer({ periods: [{ start: '2025-01-01', end: '2026-03-03' }] }) }),
      fields: ['lines[1].careDate'],
    },
    passes: { draft: cleanDraft(), ctx: testContext({ answer: openAnswer({ periods: [{ start: '2025-01-01', end: '2026-03-02' }] }) }) },
  },
  {
    code: 'PF-CDRI-ORGANISM',
    trips: {
      draft: cleanDraft(),
      ctx: testContext({ answer: openAnswer({ grandRegime: '02', caisse: '921' }) }),
      fields: ['coverage.grandRegime', 'coverage.managingFund'],
    },
    // The centre does not route the file: a different one is not a change of organism.
    passes: { draft: cleanDraft(), ctx: testContext({ answer: openAnswer({ centre: '0002' }) }) },
  },
  {
    code: 'PF-CDRI-EXONERATION',
    trips: { draft: { ...draftWith({ ...ald, lines: aldLines }), statedTotals: aldTotals }, fields: ['coverage.exemptionJustification'] },
    passes: {
      draft: { ...draftWith({ ...ald, lines: aldLines }), statedTotals: aldTotals },
      ctx: testContext({ answer: openAnswer({ exonerations: [{ code: '4', end: '2026-12-31' }] }) }),
    },
  },
];

const codesOf = async (c: Case, code: string): Promise<string[]> =>
  (await runPreflight(c.draft, c.ctx ?? testContext())).findings.filter((f) => f.code === code).map((f) => f.field);

describe('pre-flight rule table', () => {
  it('has a trip and a pass case for every rule, and every code once', () => {
    const codes = PREFLIGHT_RULES.map((r) => r.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(CASES.map((c) => c.code).sort()).toEqual([...codes].sort());
  });

  it('the clean draft breaks no rule: ready, no finding', async () => {
    const ctx = testContext();
    await expect(runPreflight(cleanDraft(), ctx)).resolves.toEqual({ outcome: 'ready', findings: [] });
  });

  describe.each(CASES)('$code', (c) => {
    it('trips, naming the field', async () => {
      expect((await codesOf(c.trips, c.code)).sort()).toEqual([...c.trips.fields].sort());
    });
    it('passes its nearest valid variant', async () => {
      expect(await codesOf(c.passes, c.code)).toEqual([]);
    });
  });
});

describe('field rules on each line kind', () => {
  it('each line kind is held on what its own record demands (3F, 3H, 4B, 4M)', async () => {
    const lines: InvoiceDraftLine[] = [
      { kind: 'lpp', sourceRef: 'p', code: '3100051', quantity: 1, totalBilled: 100 },
      { kind: 'ucd', sourceRef: 'h', code: '9391234', quantity: 1, unitPrice: 100, totalBilled: 100 },
      { kind: 'biology', sourceRef: 'l', code: '00001104', careDate: '2026-03-02' },
      { kind: 'ccam', sourceRef: 'm', code: 'YYYY010', careDate: '2026-03-02', ccam: { modifiers: [] } },
    ];
    const r = await runPreflight({ ...draftWith({ lines }), statedTotals: {} }, testContext());
    expect(r.findings.filter((f) => f.code === 'PF-MANDATORY').map((f) => f.message)).toEqual([
      'lines[0].unitPrice is missing: B2 record 3F field unitPrice is mandatory',
      'lines[1].splitCoefficient is missing: B2 record 3H field splitCoefficient is mandatory',
      'lines[2].quantity is missing: B2 record 4B field quantity1 is mandatory',
      'lines[3].ccam.activity is missing: B2 record 4M field activityCode is mandatory',
    ]);
  });

  it('takes the reason of an unwritable value from the B2 writer, never the value', async () => {
    const r = await runPreflight(
      draftWith({ lines: [line({ code: 'cs' }), line({ sourceRef: 'claim:2', amoAmount: -100 })] }),
      testContext(),
    );
    const format = r.findings.filter((f) => f.code === 'PF-FIELD-FORMAT').map((f) => f.message);
    expect(format).toEqual([
      'lines[0].code: B2 record 4 field actCode cannot hold this value (accepts upper-case ASCII letters, digits and spaces only)',
      'lines[1].amoAmount: B2 record 4 field amoAmount cannot hold this value (amounts are unsigned)',
    ]);
    expect(format.join(' ')).not.toMatch(/\bcs\b|-100/);
  });

  it('judges values as the builder writes them: a fee coefficient left out is 1.00, a type 3 without a date starts with the stay', async () => {
    const hospital: InvoiceDraftLine = {
      ...line(),
      kind: 'hospital-service',
      code: 'GHS',
      careDate: undefined,
      count: undefined,
      executantSpecialty: undefined,
    };
    const r = await runPreflight(draftWith({ lines: [line({ coefficient: undefined }), hospital] }), testContext());
    expect(r.findings.filter((f) => f.code === 'PF-MANDATORY')).toEqual([]);
    // Without a stay start either, the type 3 has no start: named once on the line, once on the stay.
    const s = await runPreflight(draftWith({ stay: { start: undefined }, lines: [hospital] }), testContext());
    expect(s.findings.filter((f) => f.code === 'PF-MANDATORY').map((f) => f.field)).toEqual(['stay.start', 'lines[0].careDate']);
  });
});
