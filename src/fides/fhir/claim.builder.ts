import { FINESS_SYSTEM, NIR_SYSTEMS } from '../../fhir/fhir-systems';
import { amoOrganismOf, type InvoiceDraftLine } from '../invoice-draft';
import type { StoredInvoice } from '../invoice.store';
import { CLAIM_TYPE_SYSTEM, CODE_SYSTEM_OF, CURRENCY, FIDES_EXTENSIONS as X, FIDES_IDENTIFIERS } from './fides-fhir-definitions';

type Json = Record<string, unknown>;

const money = (c: number | undefined) => (c === undefined ? undefined : { value: c / 100, currency: CURRENCY });
const code = (url: string, v: string | undefined) => (v === undefined ? [] : [{ url, valueCode: v }]);
const nonEmpty = <T>(a: T[]) => (a.length ? a : undefined);

/** Drops undefined members so that no empty FHIR element is written. */
function clean<T extends Json>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function item(l: InvoiceDraftLine, i: number): Json {
  return clean({
    extension: nonEmpty([
      ...(l.reimbursementBase === undefined ? [] : [{ url: X.reimbursementBase, valueMoney: money(l.reimbursementBase) }]),
      ...(l.rate === undefined ? [] : [{ url: X.rate, valueUnsignedInt: l.rate }]),
      ...(l.amoAmount === undefined ? [] : [{ url: X.amoAmount, valueMoney: money(l.amoAmount) }]),
      ...code(X.exoneration, l.exemptionJustification),
      ...code(X.ccamActivity, l.ccam?.activity),
      ...code(X.ccamPhase, l.ccam?.phase),
    ]),
    sequence: i + 1,
    productOrService: { coding: [{ system: CODE_SYSTEM_OF[l.kind], code: l.code }] },
    modifier: nonEmpty((l.ccam?.modifiers ?? []).map((m) => ({ coding: [{ code: m }] }))),
    servicedDate: l.careDate,
    quantity: l.quantity === undefined ? undefined : { value: l.quantity },
    unitPrice: money(l.unitPrice),
    factor: l.coefficient === undefined ? undefined : l.coefficient / 100,
    net: money(l.totalBilled),
  });
}

/** The patient's INS-NIR: the beneficiary's own when given, else the insured's. */
export function beneficiaryNir(inv: StoredInvoice): string {
  const p = inv.draft.patient;
  return p.beneficiaryNir ? p.beneficiaryNir + (p.beneficiaryNirKey ?? '') : p.insuredNir + p.insuredNirKey;
}

/**
 * A stored invoice as the FHIR Claim we understood (whatever its source: a Claim or an RSF line set), with its id,
 * its invoice number and where it stands (extension fides-invoice-state).
 */
export function buildClaim(inv: StoredInvoice): Json {
  const d = inv.draft;
  const patient = { identifier: { system: NIR_SYSTEMS.insNir, value: beneficiaryNir(inv) } };
  const organism = amoOrganismOf(d.coverage);
  const coverage = clean({
    resourceType: 'Coverage',
    id: 'amo',
    extension: nonEmpty(code(X.managementCode, d.coverage.managementCode)),
    status: 'active',
    subscriberId: d.patient.insuredNir + d.patient.insuredNirKey,
    beneficiary: patient,
    dependent: d.patient.beneficiaryRank,
    payor: [
      organism
        ? { identifier: { system: FIDES_IDENTIFIERS.amoOrganism, value: organism } }
        : { display: `AMO grand régime ${d.coverage.grandRegime ?? 'unknown'}` },
    ],
  });
  // The birth date (B2 type 2) travels on a contained Patient, as the parser reads it.
  const born = d.patient.birthDate
    ? { resourceType: 'Patient', id: 'pat', identifier: [patient.identifier], birthDate: d.patient.birthDate }
    : undefined;
  return clean({
    resourceType: 'Claim',
    id: inv.id,
    meta: { versionId: String(inv.version), lastUpdated: inv.updatedAt.toISOString() },
    contained: born ? [coverage, born] : [coverage],
    extension: [
      { url: X.invoiceState, valueCode: inv.state },
      ...code(X.natureAssurance, d.coverage.insuranceNature),
      ...code(X.exoneration, d.coverage.exemptionJustification),
      ...code(X.carePathway, d.coverage.carePathwayIndicator),
      ...(d.coverage.accidentReference ? [{ url: X.accidentReference, valueString: d.coverage.accidentReference }] : []),
    ],
    identifier: [
      { system: FIDES_IDENTIFIERS.invoiceNumber, value: inv.invoiceNumber },
      ...(d.entryNumber ? [{ system: FIDES_IDENTIFIERS.entryNumber, value: d.entryNumber }] : []),
    ],
    status: 'active',
    type: { coding: [{ system: CLAIM_TYPE_SYSTEM, code: d.kind === 'ace' ? 'professional' : 'institutional' }] },
    use: 'claim',
    patient: born ? { ...patient, reference: '#pat' } : patient,
    billablePeriod: d.stay.start || d.stay.end ? clean({ start: d.stay.start, end: d.stay.end }) : undefined,
    created: inv.receivedAt.toISOString(),
    provider: { identifier: { system: FINESS_SYSTEM, value: inv.finess } },
    priority: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/processpriority', code: 'normal' }] },
    insurance: [{ sequence: 1, focal: true, coverage: { reference: '#amo' } }],
    item: nonEmpty(d.lines.map(item)),
  });
}
