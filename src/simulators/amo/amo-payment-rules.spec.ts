import { aceInvoice } from '../../../tests/support/amo-lots';
import { type B2Invoice } from '../../fides/b2';
import { makeTestNir, simulateRights } from '../cdri/simulated-patients';
import { invoiceFacts, settleInvoice } from './amo-payment-rules';
import { RSP_MOTIVES } from './amo-return-codes';

const settle = (inv: B2Invoice) => settleInvoice(invoiceFacts(inv));
const nir = (order: number, dept = '75') => makeTestNir({ order, dept });

describe('AMO simulator payment rules (modelled)', () => {
  it('pays an open patient at the billed rate: paid = billed AMO amount', () => {
    const s = settle(aceInvoice({ invoiceNumber: '260000001', nir: nir(1), rate: 70, unitPrice: 3000 }));
    expect(s).toEqual({ outcome: 'P', billedAmount: 2100, paidAmount: 2100 });
  });

  it('rejects closed rights with "droits fermés"', () => {
    const s = settle(aceInvoice({ invoiceNumber: '260000002', nir: nir(400) }));
    expect(s.outcome).toBe('R');
    expect(s.outcome === 'R' && s.motive).toBe(RSP_MOTIVES.rightsClosed);
    expect(RSP_MOTIVES.rightsClosed.wording).toContain('droits fermés');
  });

  it('rejects an unknown patient', () => {
    const s = settle(aceInvoice({ invoiceNumber: '260000003', nir: nir(900) }));
    expect(s.outcome === 'R' && s.motive.code).toBe(RSP_MOTIVES.unknownPatient.code);
  });

  it('rejects an invoice sent to another caisse than the patient’s', () => {
    // Born in Lyon (69): the patient's caisse is 691; billed to 751.
    const lyon = settle(aceInvoice({ invoiceNumber: '260000004', nir: nir(1, '69') }));
    expect(lyon.outcome === 'R' && lyon.motive.code).toBe(RSP_MOTIVES.wrongFund.code);
    // MSA patient (grand régime 02) billed to the régime général.
    const msa = settle(aceInvoice({ invoiceNumber: '260000005', nir: nir(670) }));
    expect(msa.outcome === 'R' && msa.motive.code).toBe(RSP_MOTIVES.wrongFund.code);
    // The same MSA patient billed to his own caisse is paid.
    expect(settle(aceInvoice({ invoiceNumber: '260000006', nir: nir(670), grandRegime: '02' })).outcome).toBe('P');
  });

  it('pays an ALD patient at 100 % of the base, with a warning when billed below', () => {
    const at70 = settle(aceInvoice({ invoiceNumber: '260000007', nir: nir(450), rate: 70, unitPrice: 3000 }));
    expect(at70).toEqual({ outcome: 'S', billedAmount: 2100, paidAmount: 3000, motive: RSP_MOTIVES.aldFullRate });
    const at100 = settle(
      aceInvoice({ invoiceNumber: '260000008', nir: nir(450), rate: 100, unitPrice: 3000, exemptionJustification: '4' }),
    );
    expect(at100).toEqual({ outcome: 'P', billedAmount: 3000, paidAmount: 3000 });
  });

  it('treats the rights service front-end scenarios (fault, HTTP 500, 429) as ordinary open patients', () => {
    for (const order of [950, 960, 980]) {
      expect(settle(aceInvoice({ invoiceNumber: '260000009', nir: nir(order) })).outcome).toBe('P');
    }
  });

  it('agrees with the CDRi simulator on every scenario (deterministic, same NIR → same decision)', () => {
    for (let order = 1; order <= 999; order += 7) {
      const n = nir(order);
      const inv = aceInvoice({ invoiceNumber: '260000010', nir: n });
      const first = settle(inv);
      expect(settle(inv)).toEqual(first);
      const cdri = simulateRights({ nir: n, dateOfCare: '2026-11-20', finess: '990000010', correlationId: 't', birthDate: '1980-01-15' });
      if (cdri.kind === 'answer' && cdri.answer.status === 'CLOSED') expect(first.outcome).toBe('R');
      if (cdri.kind === 'answer' && cdri.answer.status === 'UNKNOWN_PATIENT') expect(first.outcome).toBe('R');
      if (cdri.kind === 'answer' && cdri.answer.status === 'OPEN' && cdri.answer.organism?.grandRegime === '01') {
        expect(first.outcome).not.toBe('R');
      }
    }
  });

  it('rejects an invoice whose type 5 does not add up (public invoice rules)', () => {
    const inv = aceInvoice({ invoiceNumber: '260000012', nir: nir(1) });
    const records = inv.records.map((r) => (r.code === '5' ? { ...r, values: { ...r.values, totalFeesAmo: 1 } } : r));
    const s = settle({ records });
    expect(s.outcome === 'R' && s.motive.code).toBe(RSP_MOTIVES.invalidInvoice.code);
  });

  it('reads the beneficiary, the first date of care and the billed AMO total from the B2 invoice', () => {
    const f = invoiceFacts(aceInvoice({ invoiceNumber: '260000011', nir: nir(1), careDate: '2026-10-03' }));
    expect(f).toMatchObject({
      nir: nir(1),
      dateOfCare: '2026-10-03',
      birthDate: '1980-01-15',
      grandRegime: '01',
      managingFund: '751',
      billedAmo: 2100,
    });
  });
});
