/**
 * FHIR URLs of the returns views (ClaimResponse error/payment, PaymentReconciliation, rejects worklist) — ours,
 * [modelled] like the rest of the FIDES interface; NOEMIE reject codes are the caisse's (modelled catalogue).
 */
const BASE = 'https://passerelle.dev/fhir';

export const RETURNS_SYSTEMS = {
  /** ClaimResponse.error.code, the rejects worklist's groups: NOEMIE reject (motive) codes. */
  rejectCode: `${BASE}/CodeSystem/noemie-reject`,
  /** ClaimResponse.payment.identifier, PaymentReconciliation.paymentIdentifier: the transfer reference of the RSP 220. */
  paymentReference: `${BASE}/sid/noemie-payment-reference`,
  /** The rejects worklist's List.code. */
  worklist: `${BASE}/CodeSystem/fides-worklist`,
} as const;

export const RETURNS_EXTENSIONS = {
  /** ClaimResponse: the amount paid differs from what was billed to the AMO (valueBoolean). */
  amountMismatch: `${BASE}/StructureDefinition/fides-amount-mismatch`,
  /** Rejects worklist group: how many invoices (valueUnsignedInt). */
  rejectCount: `${BASE}/StructureDefinition/fides-reject-count`,
  /** Rejects worklist group: amount billed to the AMO and not paid (valueMoney). */
  amountAtStake: `${BASE}/StructureDefinition/fides-amount-at-stake`,
  /** Rejects worklist group: what the billing office does about it (valueString). */
  rejectAction: `${BASE}/StructureDefinition/fides-reject-action`,
} as const;

/** HL7 code systems used as they are. */
export const HL7 = {
  adjudication: 'http://terminology.hl7.org/CodeSystem/adjudication',
  paymentType: 'http://terminology.hl7.org/CodeSystem/payment-type',
  exPaymentType: 'http://terminology.hl7.org/CodeSystem/ex-paymenttype',
} as const;

/** Cents → FHIR Money (euros, two decimals). */
export function money(cents: number): { value: number; currency: 'EUR' } {
  return { value: Math.round(cents) / 100, currency: 'EUR' };
}
