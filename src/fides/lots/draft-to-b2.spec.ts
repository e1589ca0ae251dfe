/**
 * Drafts that cannot become a B2 invoice give problems naming the invoice and the field, never the value; the
 * Corsican FINESS is written in its numeric form everywhere; 2S only when it carries something.
 */
import { b2Layouts, writeRecord } from '../b2';
import type { InvoiceDraft, InvoiceDraftLine } from '../invoice-draft';
import { DraftGenerator } from './draft-generator.test-support';
import { draftToB2Invoice } from './draft-to-b2';
import { TEST_CONTEXT } from './lots.test-support';

const fee: InvoiceDraftLine = {
  kind: 'fee',
  sourceRef: 'claim:1',
  code: 'CS',
  careDate: '2026-03-02',
  quantity: 1,
  count: 1,
  unitPrice: 3000,
  reimbursementBase: 3000,
  rate: 70,
  amoAmount: 2100,
  totalBilled: 3000,
};

const base: InvoiceDraft = {
  source: 'fhir-claim',
  invoiceNumber: '260000042',
  entryNumber: '000012345',
  geographicFiness: '990000010',
  patient: { insuredNir: '1850799123456', insuredNirKey: '39', beneficiaryRank: '000', birthDate: '1985-07-14' },
  coverage: { grandRegime: '01', managingFund: '751', managingCentre: '0001', insuranceNature: '10', exemptionJustification: '0' },
  stay: { start: '2026-03-02', end: '2026-03-02' },
  lines: [fee],
  statedTotals: { feesBilled: 3000, feesAmo: 2100 },
};

const problems = (d: InvoiceDraft): { code: string; field: string; message: string }[] => {
  const r = draftToB2Invoice(d, TEST_CONTEXT);
  return r.ok ? [] : r.problems.map(({ code, field, message }) => ({ code, field, message }));
};

describe('draftToB2Invoice', () => {
  it('writes a consultation as 2, 4, 4S, 5 (no 2S when it would carry nothing)', () => {
    const r = draftToB2Invoice(base, TEST_CONTEXT);
    expect(r.ok && r.invoice.records.map((x) => x.code)).toEqual(['2', '4', '4S', '5']);
  });

  it('refuses a value too long, never truncating it, and does not echo it', () => {
    const nir = '18507991234567';
    const got = problems({ ...base, patient: { ...base.patient, insuredNir: nir } });
    expect(got.map((p) => p.code)).toContain('B2-WRITE-too-long');
    expect(got.find((p) => p.code === 'B2-WRITE-too-long')).toMatchObject({ field: '2.insuredNir' });
    for (const p of got) {
      expect(p.message).toContain('260000042');
      expect(p.message).not.toContain(nir);
    }
  });

  it('names a missing mandatory field (no caisse, no insurance nature)', () => {
    const got = problems({ ...base, coverage: { ...base.coverage, managingFund: undefined, insuranceNature: undefined } });
    expect(got).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'B2-WRITE-missing', field: '2.managingFund' }),
        expect.objectContaining({ code: 'B2-WRITE-missing', field: '2.insuranceNature' }),
      ]),
    );
  });

  it('names the draft field too, as pre-flight does, for the fields the draft → B2 table maps', () => {
    const bio = (sourceRef: string, quantity?: number): InvoiceDraftLine => ({
      kind: 'biology',
      sourceRef,
      code: '00001104',
      careDate: '2026-03-02',
      quantity,
    });
    const r = draftToB2Invoice(
      {
        ...base,
        coverage: { ...base.coverage, insuranceNature: undefined },
        lines: [fee, { ...fee, sourceRef: 'claim:2', careDate: undefined }, bio('lab:1', 1), bio('lab:2', 100)],
      },
      TEST_CONTEXT,
    );
    const named = r.ok
      ? []
      : r.problems.filter((p) => p.code.startsWith('B2-WRITE-')).map(({ field, path, sourceRef }) => ({ field, path, sourceRef }));
    expect(named).toEqual([
      { field: '2.insuranceNature', path: 'coverage.insuranceNature', sourceRef: undefined },
      // The second act of a 4B is its slot 2 (both acts went under the first fee, the one of their date).
      { field: '4B.quantity2', path: 'lines[3].quantity', sourceRef: 'lab:2' },
      { field: '4.careDate', path: 'lines[1].careDate', sourceRef: 'claim:2' },
    ]);
  });

  it('refuses an invoice without lines (RG_MF630: 1 to 999)', () => {
    expect(problems({ ...base, lines: [], statedTotals: {} }).map((p) => p.code)).toEqual(['B2-INVOICE-LINES']);
  });

  it('refuses a zero invoice number', () => {
    expect(problems({ ...base, invoiceNumber: '000000000' }).map((p) => p.code)).toContain('B2-INVOICE-NUMBER-ZERO');
  });

  it('checks the stated totals against the lines (the type 5)', () => {
    expect(problems({ ...base, statedTotals: { feesBilled: 3001, feesAmo: 2100 } })).toEqual([
      {
        code: 'FIDES-STATED-TOTAL',
        field: '5.totalFees',
        message: 'invoice 260000042: the stated feesBilled total differs from the sum of the lines (type 5 totalFees)',
      },
    ]);
  });

  it('refuses a CCAM act with no fee line to carry it, and an 11th LPP device under one hospital service', () => {
    const ccam: InvoiceDraftLine = {
      kind: 'ccam',
      sourceRef: 'claim:9',
      code: 'DEQP003',
      careDate: '2026-03-02',
      ccam: { activity: '1', modifiers: [] },
    };
    expect(problems({ ...base, lines: [ccam, { ...ccam, sourceRef: 'claim:10', code: 'YYYY001' }, fee] })).toEqual([
      expect.objectContaining({ code: 'FIDES-LINE-UNATTACHED', field: 'ccam', message: expect.stringContaining('claim:10') as string }),
    ]);
    const ghs: InvoiceDraftLine = { ...fee, kind: 'hospital-service', code: 'GHS' };
    const lpp = (i: number): InvoiceDraftLine => ({
      kind: 'lpp',
      sourceRef: `lpp:${i}`,
      code: '3170001',
      quantity: 1,
      unitPrice: 100,
      totalBilled: 100,
    });
    const got = problems({ ...base, lines: [ghs, ...Array.from({ length: 11 }, (_, i) => lpp(i + 1))], statedTotals: {} });
    expect(got).toEqual([expect.objectContaining({ code: 'FIDES-LINE-UNATTACHED', message: expect.stringContaining('lpp:11') as string })]);
  });

  it('puts emergency packages in the RG_MF602 order, a night supplement staying with its SAS', () => {
    const f = (code: string, i: number): InvoiceDraftLine => ({ ...fee, code, sourceRef: `claim:${i}` });
    const h = (code: string, i: number): InvoiceDraftLine => ({ ...f(code, i), kind: 'hospital-service' });
    const lines = [f('CS', 1), f('FTN', 2), h('FTN', 3), f('SAS', 4), f('SSN', 5), h('CFU', 6), f('FU1', 7), h('FPU', 8), f('G', 9)];
    const r = draftToB2Invoice({ ...base, lines, statedTotals: {} }, TEST_CONTEXT);
    if (!r.ok) throw new Error(r.problems.map((p) => p.message).join('\n'));
    const order = r.invoice.records.filter((x) => x.code === '3' || x.code === '4').map((x) => `${x.code}:${String(x.values.actCode)}`);
    expect(order).toEqual(['4:CS', '4:FU1', '3:FPU', '4:SAS', '4:SSN', '3:CFU', '4:FTN', '3:FTN', '4:G']);
  });

  it('refuses more than four CCAM modifiers', () => {
    const ccam: InvoiceDraftLine = {
      kind: 'ccam',
      sourceRef: 'claim:2',
      code: 'DEQP003',
      careDate: '2026-03-02',
      ccam: { activity: '1', modifiers: ['F', 'U', 'P', 'S', 'A'] },
    };
    expect(problems({ ...base, lines: [fee, ccam] }).map((p) => p.code)).toEqual(['FIDES-CCAM-MODIFIERS']);
  });

  it('writes a Corsican FINESS in its numeric form on every record (RG_MF609), the 3S prescriber included', () => {
    const ghs: InvoiceDraftLine = { ...fee, kind: 'hospital-service', code: 'GHS' };
    const r = draftToB2Invoice({ ...base, geographicFiness: '2A0002689', lines: [ghs], statedTotals: {} }, TEST_CONTEXT);
    if (!r.ok) throw new Error(r.problems[0].message);
    expect(r.invoice.records.find((x) => x.code === '3S')?.values.prescriberNumber).toBe('200102689');
    // The other FINESS fields are tagged `finess` in the declarations: the writer converts them.
    for (const rec of r.invoice.records) expect(writeRecord(b2Layouts(), rec.code, rec.values).slice(1, 10)).toBe('200102689');
  });

  it('gives the same records for the same draft (generated drafts all map)', () => {
    const gen = new DraftGenerator(42);
    for (let i = 0; i < 50; i++) {
      const d = gen.draft();
      expect(draftToB2Invoice(d, TEST_CONTEXT)).toEqual(draftToB2Invoice(d, TEST_CONTEXT));
      expect(problems(d)).toEqual([]);
    }
  });
});
