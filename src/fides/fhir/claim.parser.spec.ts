import { GatewayError } from '../../common/gateway-error';
import { invoiceContentHash } from '../invoice-content-hash';
import type { StoredInvoice } from '../invoice.store';
import { aceClaim } from '../../../tests/support/fides-claims';
import { buildClaim } from './claim.builder';
import { parseClaim } from './claim.parser';

type Json = Record<string, any>;

function stored(claim: unknown): StoredInvoice {
  const draft = parseClaim(claim);
  const at = new Date('2026-01-06T10:00:00Z');
  return {
    id: '3f1c2a9e-5b7d-4c1e-9a2b-7d6e5f4a3b2c',
    finess: draft.geographicFiness,
    invoiceNumber: draft.invoiceNumber,
    version: 1,
    source: 'fhir-claim',
    contentHash: invoiceContentHash(draft),
    draft,
    state: 'received',
    submittedBy: 'test',
    receivedAt: at,
    updatedAt: at,
  };
}

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof GatewayError) return `${e.code} ${e.field}`;
    throw e;
  }
  return undefined;
}

describe('FHIR Claim → InvoiceDraft', () => {
  it('maps an ACE Claim: insured and beneficiary NIRs, organism, particulars, lines in cents', () => {
    const d = parseClaim(aceClaim({ invoiceNumber: '4711' }));
    expect(d).toMatchObject({
      source: 'fhir-claim',
      kind: 'ace',
      invoiceNumber: '000004711',
      entryNumber: '260100042',
      geographicFiness: '990000028',
      patient: {
        insuredNir: '1850799123456',
        insuredNirKey: '39',
        beneficiaryNir: '2920175123123',
        beneficiaryNirKey: '46',
        beneficiaryRank: '000',
        birthDate: '1992-01-15',
      },
      coverage: {
        grandRegime: '01',
        managingFund: '751',
        managingCentre: '0000',
        managementCode: '10',
        insuranceNature: '10',
        carePathwayIndicator: 'T',
      },
      stay: { start: '2026-01-05', end: '2026-01-05' },
    });
    expect(d.lines[0]).toMatchObject({
      kind: 'fee',
      code: 'G',
      quantity: 1,
      count: 1,
      coefficient: 100,
      unitPrice: 3000,
      reimbursementBase: 3000,
      rate: 70,
      amoAmount: 2100,
    });
    expect(d.lines[1]).toMatchObject({
      kind: 'ccam',
      code: 'DEQP003',
      unitPrice: 1426,
      ccam: { activity: '1', phase: '0', modifiers: [] },
    });
  });

  it('reads back what it built: parse(build(draft)) gives the same content', () => {
    const inv = stored(aceClaim({ invoiceNumber: '4711' }));
    expect(invoiceContentHash(parseClaim(buildClaim(inv)))).toBe(inv.contentHash);
  });

  it('names the FHIRPath of what is wrong, never the value', () => {
    const claim = (patch: (c: Json) => void) => {
      const c = aceClaim({ invoiceNumber: '4711' }) as Json;
      patch(c);
      return () => parseClaim(c);
    };
    expect(fieldOf(claim((c) => (c.use = 'preauthorization')))).toBe('INVALID_INPUT Claim.use');
    expect(fieldOf(claim((c) => (c.identifier = [])))).toBe('INVALID_INPUT Claim.identifier');
    expect(fieldOf(claim((c) => (c.identifier[0].value = '000')))).toBe('BUSINESS_RULE Claim.identifier');
    expect(fieldOf(claim((c) => (c.patient.identifier.value = '292017512312345')))).toBe('INVALID_INPUT Claim.patient.identifier.value');
    expect(fieldOf(claim((c) => (c.provider.identifier.value = '990000029')))).toBe('INVALID_INPUT Claim.provider.identifier.value');
    expect(fieldOf(claim((c) => (c.item[1].unitPrice.value = 1.234)))).toBe('INVALID_INPUT Claim.item[1].unitPrice');
    expect(fieldOf(claim((c) => (c.item[0].servicedDate = '2026-02-30')))).toBe('INVALID_INPUT Claim.item[0].servicedDate');
    expect(fieldOf(claim((c) => (c.contained[0].payor[0].identifier.value = '0175')))).toBe(
      "INVALID_INPUT Claim.contained.where(resourceType='Coverage').payor[0].identifier.value",
    );
  });
});
