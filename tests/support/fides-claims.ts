import { FIDES_EXTENSIONS as X, FIDES_IDENTIFIERS } from '../../src/fides/fhir/fides-fhir-definitions';

/** The FINESS géographique of the RSF sample month (src/fides/rsf/samples): tests bill as that establishment. */
export const FIDES_TEST_FINESS = '990000028';

export interface AceClaimOptions {
  invoiceNumber: string;
  finess?: string;
  unitPrice?: number;
  /** The beneficiary's NIR with its key (default an OPEN patient of the CDRi simulator, order 123). */
  beneficiaryNir?: string;
  /** Coverage.dependent (default '0': the rank 000 the régime général expects; '1' trips PF-RANK-REGIME). */
  dependent?: string;
  /** The beneficiary's birth date on a contained Patient that Claim.patient points at (default matches the default
   *  NIR); null: no Patient, which trips PF-MANDATORY. */
  birthDate?: string | null;
}

/**
 * An external consultation (ACE) as a GAP sends it: fictitious NIR with a valid key, a G consultation and a CCAM act.
 * By default it passes every pre-flight rule but the CDRi one (rank 000 under the régime général, birth date matching
 * the NIR, organism 01/751 as the CDRi simulator answers for department 75): what happens to it then depends only on
 * the patient's rights.
 */
export function aceClaim(o: AceClaimOptions): Record<string, unknown> {
  const beneficiary = { system: 'urn:oid:1.2.250.1.213.1.4.8', value: o.beneficiaryNir ?? '292017512312346' };
  const birthDate = o.birthDate === undefined ? '1992-01-15' : o.birthDate;
  return {
    resourceType: 'Claim',
    contained: [
      {
        resourceType: 'Coverage',
        id: 'amo',
        extension: [{ url: X.managementCode, valueCode: '10' }],
        status: 'active',
        subscriberId: '185079912345639',
        beneficiary: { identifier: beneficiary },
        dependent: o.dependent ?? '0',
        payor: [{ identifier: { system: FIDES_IDENTIFIERS.amoOrganism, value: '017510000' } }],
      },
      ...(birthDate ? [{ resourceType: 'Patient', id: 'pat', identifier: [beneficiary], birthDate }] : []),
    ],
    extension: [
      { url: X.natureAssurance, valueCode: '10' },
      { url: X.exoneration, valueCode: '0' },
      { url: X.carePathway, valueCode: 'T' },
    ],
    identifier: [
      { system: FIDES_IDENTIFIERS.invoiceNumber, value: o.invoiceNumber },
      { system: FIDES_IDENTIFIERS.entryNumber, value: '260100042' },
    ],
    status: 'active',
    type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' }] },
    use: 'claim',
    patient: { identifier: beneficiary, ...(birthDate ? { reference: '#pat' } : {}) },
    billablePeriod: { start: '2026-01-05', end: '2026-01-05' },
    created: '2026-01-06T10:00:00Z',
    provider: { identifier: { system: 'https://finess.esante.gouv.fr', value: o.finess ?? FIDES_TEST_FINESS } },
    priority: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/processpriority', code: 'normal' }] },
    insurance: [{ sequence: 1, focal: true, coverage: { reference: '#amo' } }],
    item: [
      {
        sequence: 1,
        extension: [
          { url: X.reimbursementBase, valueMoney: { value: 30, currency: 'EUR' } },
          { url: X.rate, valueUnsignedInt: 70 },
          { url: X.amoAmount, valueMoney: { value: 21, currency: 'EUR' } },
        ],
        productOrService: { coding: [{ system: 'https://passerelle.dev/fhir/CodeSystem/ngap', code: 'G' }] },
        servicedDate: '2026-01-05',
        quantity: { value: 1 },
        factor: 1,
        unitPrice: { value: o.unitPrice ?? 30, currency: 'EUR' },
        net: { value: o.unitPrice ?? 30, currency: 'EUR' },
      },
      {
        sequence: 2,
        extension: [
          { url: X.ccamActivity, valueCode: '1' },
          { url: X.ccamPhase, valueCode: '0' },
        ],
        productOrService: { coding: [{ system: 'https://passerelle.dev/fhir/CodeSystem/ccam', code: 'DEQP003' }] },
        servicedDate: '2026-01-05',
        quantity: { value: 1 },
        unitPrice: { value: 14.26, currency: 'EUR' },
        net: { value: 14.26, currency: 'EUR' },
      },
    ],
  };
}
