/**
 * What a B2 invoice needs that an InvoiceDraft does not carry: facts about the establishment and how it bills, the
 * same for all its invoices (configuration later, per establishment). Each is a mandatory field of the public
 * records (SFG FIDES ACE transcription, see ../b2/LAYOUTS.md) that neither RSF nor a Claim gives per invoice.
 * Nothing here is guessed by the mapping: a caller that does not know a value cannot build the invoice.
 */
export interface B2InvoiceContext {
  /** Type 2 rightsProofNature (58, 1): how the AMO rights were proven (code from the GIE dictionary, EF_BS03_02). */
  readonly rightsProofNature: string;
  /** Type 2 exitHour (115, 2), mandatory: RSF has no exit hour, so the establishment says which one it writes. */
  readonly exitHour: string;
  /** 3S/4S priorAgreementCode (mandatory): '0' when the acts need no prior agreement. */
  readonly priorAgreementCode: string;
  /** 3S prescriberSpecialty (mandatory): the specialty of the salaried prescriber, '00' when not known per line. */
  readonly prescriberSpecialty: string;
  /** 4S activityDomain (mandatory, EF_IP05_09). */
  readonly activityDomain: string;
}

/**
 * A reason an invoice cannot become B2 records: a pre-flight error later. `field` names the B2 record and field
 * (`4.careDate`) or the draft field; the message names the invoice number and the field, never a patient value.
 */
export interface DraftProblem {
  /** B2-WRITE-<problem> for a value the writer refuses, B2-…/RG_MF… from invoice-rules.ts, FIDES-… for ours. */
  readonly code: string;
  readonly field: string;
  readonly message: string;
  /** The draft field (`coverage.insuranceNature`, `lines[2].careDate`) when the B2 field is one the draft → B2 table
   *  maps (draft-b2-fields.ts): the name pre-flight's findings give the same field. */
  readonly path?: string;
  /** The draft line it comes from, when it comes from one. */
  readonly sourceRef?: string;
}
