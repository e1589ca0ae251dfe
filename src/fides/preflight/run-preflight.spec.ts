import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { computeNirKey } from '../../identifiers';
import { readRsf } from '../rsf/rsf-reader';
import { rsfInvoiceToDraft } from '../rsf/rsf-to-invoice-draft';
import type { InvoiceDraft } from '../invoice-draft';
import { cleanDraft, DAY_MS, draftWith, INSURED, line, NOW, openAnswer, testContext } from './preflight.test-support';
import { outcomeOf, rightsQueryFor, runPreflight } from './run-preflight';

const aldDraft = (): InvoiceDraft => ({
  ...draftWith({
    coverage: { exemptionJustification: '4' },
    lines: [line({ rate: 100, amoAmount: 3000, exemptionJustification: undefined })],
  }),
  statedTotals: { feesBilled: 3000, feesAmo: 3000 },
});

describe('runPreflight: the CDRi rights rule', () => {
  it('no answer → needs-rights-check (the invoice waits, it is never sent unchecked)', async () => {
    const r = await runPreflight(cleanDraft(), testContext({ answer: null }));
    expect(r.outcome).toBe('needs-rights-check');
    expect(r.findings.map((f) => [f.code, f.severity])).toEqual([['PF-CDRI-NONE', 'wait']]);
  });

  it('an answer older than the configured age → needs-rights-check, and its contents are not judged', async () => {
    const stale = openAnswer({ answeredAt: new Date(NOW.getTime() - 30 * DAY_MS), status: 'CLOSED' });
    const r = await runPreflight(cleanDraft(), testContext({ answer: stale }));
    expect(r.outcome).toBe('needs-rights-check');
    expect(r.findings.map((f) => f.code)).toEqual(['PF-CDRI-STALE']);
    expect(r.findings[0].message).toBe('patient: the latest CDRi rights answer is older than 7 d: a new rights check is needed');
  });

  it('rights closed at the date of care → held on each line concerned', async () => {
    const r = await runPreflight(cleanDraft(), testContext({ answer: openAnswer({ status: 'CLOSED' }) }));
    expect(r.outcome).toBe('held');
    expect(r.findings.map((f) => `${f.code} ${f.field}`)).toEqual([
      'PF-CDRI-RIGHTS-CLOSED lines[0].careDate',
      'PF-CDRI-RIGHTS-CLOSED lines[1].careDate',
    ]);
  });

  it('rights period ended before the care → held', async () => {
    const r = await runPreflight(
      cleanDraft(),
      testContext({ answer: openAnswer({ periods: [{ start: '2025-01-01', end: '2026-02-28' }] }) }),
    );
    expect(r.outcome).toBe('held');
    expect(new Set(r.findings.map((f) => f.code))).toEqual(new Set(['PF-CDRI-RIGHTS-CLOSED']));
  });

  it('organism changed (caisse differs) → held naming the caisse', async () => {
    const r = await runPreflight(cleanDraft(), testContext({ answer: openAnswer({ caisse: '921' }) }));
    expect(r).toEqual({
      outcome: 'held',
      findings: [
        {
          code: 'PF-CDRI-ORGANISM',
          field: 'coverage.managingFund',
          severity: 'error',
          message: 'coverage.managingFund: differs from the AMO organism in the latest CDRi answer (the organism changed)',
        },
      ],
    });
  });

  it('exoneration claimed but not in the answer (or ended before the care) → held', async () => {
    for (const exonerations of [[], [{ code: '4', end: '2026-03-01' }], [{ code: '3' }]]) {
      const r = await runPreflight(aldDraft(), testContext({ answer: openAnswer({ exonerations }) }));
      expect(r.findings.map((f) => `${f.code} ${f.field}`)).toEqual(['PF-CDRI-EXONERATION coverage.exemptionJustification']);
    }
  });

  it('a line claiming its own exoneration is checked on the line', async () => {
    const d = { ...draftWith({ lines: [line({ rate: 100, amoAmount: 3000, exemptionJustification: '4' })] }), statedTotals: {} };
    const r = await runPreflight(d, testContext());
    expect(r.findings.map((f) => `${f.code} ${f.field}`)).toEqual(['PF-CDRI-EXONERATION lines[0].exemptionJustification']);
  });

  it('an unknown justification code is treated as needing the insurer (deny by default)', async () => {
    const d = { ...aldDraft(), coverage: { ...aldDraft().coverage, exemptionJustification: 'X' } };
    const r = await runPreflight(d, testContext({ answer: openAnswer({ exonerations: [{ code: '4' }] }) }));
    expect(r.findings.map((f) => f.code)).toEqual(['PF-CDRI-EXONERATION']);
  });

  it('all good (fresh open answer, same organism, exoneration confirmed) → ready', async () => {
    const r = await runPreflight(aldDraft(), testContext({ answer: openAnswer({ exonerations: [{ code: '4' }] }) }));
    expect(r).toEqual({ outcome: 'ready', findings: [] });
  });

  it('asks the port once per run, with the beneficiary NIR + key and the earliest care date', async () => {
    const ctx = testContext();
    const child = '2150199000123';
    const d = draftWith({
      patient: { beneficiaryNir: child, beneficiaryNirKey: computeNirKey(child), birthDate: '2015-01-20' },
      lines: [line({ careDate: '2026-03-02' })],
    });
    await runPreflight({ ...d, statedTotals: {} }, ctx);
    expect(ctx.ports.rightsQueries).toEqual([
      {
        finess: '990000028',
        beneficiaryNir: child + computeNirKey(child),
        insuredNir: INSURED + computeNirKey(INSURED),
        dateOfCare: '2026-03-02',
      },
    ]);
  });

  it('an unknown beneficiary with a NIR of their own is pointed at that NIR', async () => {
    const child = '2150199000123';
    const d = draftWith({ patient: { beneficiaryNir: child, beneficiaryNirKey: computeNirKey(child), birthDate: '2015-01-20' } });
    const r = await runPreflight(d, testContext({ answer: openAnswer({ status: 'UNKNOWN_PATIENT', periods: [] }) }));
    expect(r.findings.map((f) => `${f.code} ${f.field}`)).toEqual(['PF-CDRI-UNKNOWN-PATIENT patient.beneficiaryNir']);
  });

  it('rightsQueryFor gives the caller the very question to queue, or nothing for a broken NIR', () => {
    expect(rightsQueryFor(cleanDraft())).toEqual({
      finess: '990000028',
      beneficiaryNir: INSURED + computeNirKey(INSURED),
      dateOfCare: '2026-03-02',
    });
    expect(rightsQueryFor(draftWith({ patient: { insuredNir: '1' } }))).toBeUndefined();
  });

  it('does not ask CDRi about a broken NIR, and does not claim an answer is missing then', async () => {
    const ctx = testContext({ answer: null });
    const r = await runPreflight(draftWith({ patient: { insuredNirKey: '00' } }), ctx);
    expect(ctx.ports.rightsQueries).toEqual([]);
    expect(r.findings.map((f) => f.code)).toEqual(['PF-NIR-KEY']);
    expect(r.outcome).toBe('held');
  });
});

describe('runPreflight: outcome precedence and findings', () => {
  it('held wins over needs-rights-check, which wins over ready; warnings never stop', () => {
    expect(outcomeOf([{ severity: 'wait' }, { severity: 'error' }, { severity: 'warning' }])).toBe('held');
    expect(outcomeOf([{ severity: 'warning' }, { severity: 'wait' }])).toBe('needs-rights-check');
    expect(outcomeOf([{ severity: 'warning' }])).toBe('ready');
    expect(outcomeOf([])).toBe('ready');
  });

  it('an error and a missing answer together → held, both findings kept', async () => {
    const r = await runPreflight(draftWith({ top: { invoiceNumber: '0' } }), testContext({ answer: null }));
    expect(r.outcome).toBe('held');
    expect(r.findings.map((f) => f.code)).toEqual(['PF-INVOICE-NUMBER', 'PF-CDRI-NONE']);
  });

  it('a NIR body that is no NIR is reported on the NIR with the faulty part named, its key left alone', async () => {
    const body = '5' + INSURED.slice(1);
    const r = await runPreflight(draftWith({ patient: { insuredNir: body, insuredNirKey: computeNirKey(body) } }), testContext());
    expect(r.findings.map((f) => f.message)).toEqual([
      'patient.insuredNir: not a valid insured NIR (NIR sex digit (position 1) must be 1, 2, 3, 4, 7 or 8)',
    ]);
  });

  it('one mistake, one finding: a missing birth date or stay start is the B2 mandatory rule only', async () => {
    const r = await runPreflight(draftWith({ patient: { birthDate: undefined } }), testContext());
    expect(r.findings.map((f) => `${f.code} ${f.field}`)).toEqual(['PF-MANDATORY patient.birthDate']);
    expect(r.findings[0].message).toBe('patient.birthDate is missing: B2 record 2 field birthDate is mandatory');
    const s = await runPreflight(draftWith({ stay: { start: undefined } }), testContext());
    expect(s.findings.map((f) => `${f.code} ${f.field}`)).toEqual(['PF-MANDATORY stay.start']);
  });

  it('a warning alone leaves the invoice ready', async () => {
    const r = await runPreflight(draftWith({ top: { declaredFiness: '123' } }), testContext());
    expect(r.outcome).toBe('ready');
    expect(r.findings.map((f) => [f.code, f.severity])).toEqual([['PF-FINESS-DECLARED', 'warning']]);
  });

  it('a billing delay forced by the caisse stays visible as a warning and lets the invoice go', async () => {
    const old = draftWith({ stay: { start: '2025-01-10', end: '2025-01-10' }, lines: [line({ careDate: '2025-01-10' })] });
    const ctx = { answer: openAnswer({ periods: [{ start: '2020-01-01' }] }) };
    const held = await runPreflight({ ...old, statedTotals: {} }, testContext(ctx));
    expect(held.findings.map((f) => [f.code, f.severity])).toEqual([['PF-BILLING-DELAY', 'error']]);
    const forced = await runPreflight({ ...old, statedTotals: {} }, testContext({ ...ctx, ctx: { billingDelayForced: true } }));
    expect(forced.outcome).toBe('ready');
    expect(forced.findings.map((f) => [f.code, f.severity])).toEqual([['PF-BILLING-DELAY', 'warning']]);
  });

  it('messages name fields and rules, never a value of the patient', async () => {
    const d = draftWith({
      patient: { insuredNirKey: '00', birthDate: '2027-01-01', birthRank: '0', ipp: 'IPP0001' },
      coverage: { managingFund: '75A' },
      lines: [line({ careDate: '2027-02-30', rate: 120 })],
    });
    const r = await runPreflight(d, testContext());
    expect(r.findings.length).toBeGreaterThan(4);
    const text = JSON.stringify(r.findings);
    for (const value of [INSURED, '2027-01-01', 'IPP0001', '75A', '2027-02-30', '120']) expect(text).not.toContain(value);
  });

  it('is deterministic: same draft, same answers → same result', async () => {
    const d = draftWith({ top: { invoiceNumber: 'A1' }, lines: [line({ rate: 101 }), line({ careDate: '2026-04-01' })] });
    const a = await runPreflight(d, testContext({ answer: null }));
    const b = await runPreflight(d, testContext({ answer: null }));
    expect(b).toEqual(a);
  });

  it('refuses a context whose "today" is not a day (a wiring bug, not a finding)', async () => {
    await expect(runPreflight(cleanDraft(), testContext({ ctx: { today: '10/03/2026' } }))).rejects.toThrow('ctx.today');
  });
});

describe('runPreflight on the RSF sample month', () => {
  async function sampleDrafts(): Promise<InvoiceDraft[]> {
    const out: InvoiceDraft[] = [];
    for await (const e of readRsf(createReadStream(join(__dirname, '../rsf/samples/sample-month.rsf')), { year: 2026 })) {
      if (e.kind === 'invoice') out.push(rsfInvoiceToDraft(e.invoice));
    }
    return out;
  }

  it('the RSF carries no caisse: held on it until intake fills the organism (from the CDRi answer)', async () => {
    const ctx = testContext({
      ctx: { today: '2026-02-10', now: new Date('2026-02-10T09:00:00Z') },
      answer: openAnswer({ answeredAt: new Date('2026-02-09T09:00:00Z'), exonerations: [{ code: '4' }] }),
    });
    for (const d of await sampleDrafts()) {
      const r = await runPreflight(d, ctx);
      expect(
        r.findings
          .filter((f) => f.severity === 'error')
          .map((f) => f.field)
          .sort(),
      ).toEqual(['coverage.managingCentre', 'coverage.managingFund']);
      const filled = { ...d, coverage: { ...d.coverage, managingFund: '751', managingCentre: '0001' } };
      expect((await runPreflight(filled, ctx)).findings.filter((f) => f.severity === 'error')).toEqual([]);
    }
  });
});
