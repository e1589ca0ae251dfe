/**
 * What pre-flight needs from outside a draft, as ports the caller gives (the FIDES flow wires them): the latest CDRi
 * answer for the patient and the invoice-number registry. Pre-flight itself does no other I/O, so a run is
 * deterministic for a given draft, context and port answers.
 */

/**
 * The latest AMO rights answer known for a patient, in the shape pre-flight compares with an invoice. The lead adapts
 * it from the CDRi store (src/cdri/rights-check.store.ts `latestAnsweredBefore`, answer = AmoRightsAnswer): src/fides
 * may not import src/cdri (flows never import each other, tests/architecture/folder-imports.test.ts), so the adapter
 * lives where the flows are composed.
 */
export interface LatestRightsAnswer {
  readonly answeredAt: Date;
  /** As CDRi says: OPEN, CLOSED or UNKNOWN_PATIENT (any other value is treated as not open). */
  readonly status: string;
  /** Code grand régime, 2 digits. */
  readonly grandRegime?: string;
  /** Caisse gestionnaire, 3 digits. */
  readonly caisse?: string;
  /** Centre gestionnaire, 4 digits. */
  readonly centre?: string;
  /** Rights periods, YYYY-MM-DD; no end = open-ended. */
  readonly periods: readonly { readonly start: string; readonly end?: string }[];
  /** Exonerations of the ticket modérateur the insurer confirmed, by justification code (CDRi's `exoneration`). */
  readonly exonerations: readonly { readonly code: string; readonly end?: string }[];
}

export interface RightsAnswerQuery {
  /** FINESS géographique of the invoice. */
  readonly finess: string;
  /** The beneficiary's NIR with its key (15 characters): their own when given, else the insured person's. */
  readonly beneficiaryNir: string;
  /** The insured person's NIR with its key, when different from the beneficiary's. */
  readonly insuredNir?: string;
  /** The earliest date of care of the invoice: an adapter may prefer an answer asked for that day. */
  readonly dateOfCare: string;
}

export interface LatestRightsAnswerPort {
  /** The most recent answered CDRi check for that beneficiary (any source), or undefined when none. */
  latestRightsAnswer(query: RightsAnswerQuery): Promise<LatestRightsAnswer | undefined>;
}

export interface InvoiceNumberRegistryPort {
  /**
   * True when `number` is already used under `finess` by another invoice — anything but an earlier version of this
   * same invoice (a correction comes back as a new version of the same number, issue 9 §2). Whether a version that
   * has already left in a lot may be replaced is the registry's decision: it answers true then.
   */
  isInvoiceNumberTaken(finess: string, number: string, version: number): Promise<boolean>;
}
