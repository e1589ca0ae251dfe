import { EXTENSIONS } from '../../fhir/fhir-systems';
import type { InvoiceDraftLineKind } from '../invoice-draft';

/**
 * Every FHIR URL the FIDES Claim interface defines, in one place so that the CapabilityStatement and the README can
 * publish them. [modelled]: no French billing profile exists; these are ours.
 */
const BASE = 'https://passerelle.dev/fhir';

export const FIDES_IDENTIFIERS = {
  /** Claim.identifier: the invoice number (N° de facture, 1–9 digits, non-zero, unique per FINESS). */
  invoiceNumber: `${BASE}/sid/fides-invoice-number`,
  /** Claim.identifier: the entry number (N° d'entrée / venue). */
  entryNumber: `${BASE}/sid/fides-entry-number`,
  /** Coverage.payor.identifier: AMO organism, grand régime (2) + caisse (3) + centre (4). */
  amoOrganism: `${BASE}/sid/amo-organism`,
} as const;

/** Code systems of Claim.item.productOrService: the system says which B2 line the item becomes. */
export const FIDES_CODE_SYSTEMS: Record<string, InvoiceDraftLineKind> = {
  [`${BASE}/CodeSystem/ngap`]: 'fee',
  [`${BASE}/CodeSystem/ccam`]: 'ccam',
  // GHS, supplements and forfait journalier: the hospital-service prestation codes.
  [`${BASE}/CodeSystem/ghs-prestation`]: 'hospital-service',
  [`${BASE}/CodeSystem/ucd`]: 'ucd',
  [`${BASE}/CodeSystem/lpp`]: 'lpp',
  [`${BASE}/CodeSystem/nabm`]: 'biology',
};

export const CODE_SYSTEM_OF: Record<InvoiceDraftLineKind, string> = Object.fromEntries(
  Object.entries(FIDES_CODE_SYSTEMS).map(([system, kind]) => [kind, system]),
) as Record<InvoiceDraftLineKind, string>;

/** Claim.type (HL7 claim-type): a stay is institutional, an external consultation (ACE) professional. */
export const CLAIM_TYPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/claim-type';

/** The French particulars, as extensions (valueCode unless said). */
export const FIDES_EXTENSIONS = {
  /** Claim: nature d'assurance (10 maladie, 13 maternité, 41 AT…). Shared with the CDRi answer. */
  natureAssurance: EXTENSIONS.natureAssurance,
  /** Claim and Claim.item: justification d'exonération du ticket modérateur. Shared with the CDRi answer. */
  exoneration: EXTENSIONS.exoneration,
  /** Claim: indicateur du parcours de soins. */
  carePathway: `${BASE}/StructureDefinition/parcours-de-soins`,
  /** Claim: accident du travail number, or common-law accident date (valueString, as the GAP writes it). */
  accidentReference: `${BASE}/StructureDefinition/accident-reference`,
  /** Coverage: code gestion. */
  managementCode: `${BASE}/StructureDefinition/amo-code-gestion`,
  /** Claim.item: base de remboursement (valueMoney). */
  reimbursementBase: `${BASE}/StructureDefinition/base-remboursement`,
  /** Claim.item: rate, whole percent (valueUnsignedInt). */
  rate: `${BASE}/StructureDefinition/taux-remboursement`,
  /** Claim.item: amount the AMO pays (valueMoney). */
  amoAmount: `${BASE}/StructureDefinition/montant-amo`,
  /** Claim.item (CCAM): activity and phase codes. */
  ccamActivity: `${BASE}/StructureDefinition/ccam-activite`,
  ccamPhase: `${BASE}/StructureDefinition/ccam-phase`,
  /** Claim (read back): where the invoice stands in its state machine (invoice-state.ts). */
  invoiceState: `${BASE}/StructureDefinition/fides-invoice-state`,
} as const;

/** ISO 4217: amounts are euros on the wire, cents inside. */
export const CURRENCY = 'EUR';

/** Pre-flight findings on the wire (ClaimResponse.error, the worklist List) [modelled]. */
export const FIDES_PREFLIGHT = {
  /** Rule codes of the pre-flight table (PF-…, src/fides/preflight/PREFLIGHT.md). */
  ruleSystem: `${BASE}/CodeSystem/fides-preflight-rule`,
  /** R5's ClaimResponse.error.expression carried into R4 by the official cross-version extension: the draft field. */
  errorExpression: 'http://hl7.org/fhir/5.0/StructureDefinition/extension-ClaimResponse.error.expression',
  /** List.code of the pre-flight worklist. */
  worklistCode: `${BASE}/CodeSystem/fides-worklist`,
} as const;
