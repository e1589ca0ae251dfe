/**
 * A neutral invoice: what intake (FHIR Claim, ATIH RSF) produces and what pre-flight checks and the B2 writer turn into
 * records. It names things once, in our words; each field says which B2 record/field it becomes (names as in
 * b2/b2-record-types.generated.ts; positions from the public FIDES ACE transcription, see b2/LAYOUTS.md).
 *
 * Amounts are integers in cents, coefficients integers with 2 implied decimals (150 = 1.50), rates whole percents,
 * dates YYYY-MM-DD. Absent = not given by the source (pre-flight decides whether it was needed).
 */

export interface InvoiceDraftPatient {
  /** Insured person's NIR, 13 characters (2A/2B allowed) → type 2 insuredNir (12, 13), repeated on every record. */
  readonly insuredNir: string;
  /** → type 2 insuredNirKey (25, 2). */
  readonly insuredNirKey: string;
  /** The beneficiary's own NIR when not the insured → type 2S beneficiaryNir (50, 13). */
  readonly beneficiaryNir?: string;
  /** → type 2S beneficiaryNirKey (63, 2). */
  readonly beneficiaryNirKey?: string;
  /** Rank of the beneficiary, 3 digits (`000` under the régime général) → type 2 beneficiaryRank (27, 3). */
  readonly beneficiaryRank?: string;
  /** → type 2 birthDate (AAMMJJ in B2). */
  readonly birthDate?: string;
  /** Rank of birth (twins) → type 2 birthRank. */
  readonly birthRank?: string;
  /** Hospital's permanent patient id: not written in B2, kept to find the patient again. */
  readonly ipp?: string;
}

export interface InvoiceDraftCoverage {
  /** Code grand régime, 2 digits → type 2 grandRegime. */
  readonly grandRegime?: string;
  /** Caisse gestionnaire, 3 digits → type 2 managingFund (51, 3); with grandRegime it picks the lot file (one per
   *  grand régime + caisse). RSF does not carry it: intake fills it from the CDRi answer or the Claim's coverage. */
  readonly managingFund?: string;
  /** Centre gestionnaire, 4 digits → type 2 managingCentre (54, 4). */
  readonly managingCentre?: string;
  /** Code gestion → type 2 benefitRegime [modelled mapping]. */
  readonly managementCode?: string;
  /** Nature d'assurance (10 maladie, 13 maternité, 41 AT…) → type 2 insuranceNature. */
  readonly insuranceNature?: string;
  /** Justification d'exonération du ticket modérateur → type 2 exemptionJustification. */
  readonly exemptionJustification?: string;
  /** Indicateur du parcours de soins → type 2S carePathwayIndicator. */
  readonly carePathwayIndicator?: string;
  /** Accident du travail number or common-law accident date, as the source wrote it → type 2 accidentReference. */
  readonly accidentReference?: string;
  /** Type de contrat souscrit auprès d'un OC → type 2 contractType. */
  readonly contractType?: string;
  /** N° d'organisme complémentaire → type 2 complementaryOrganism. */
  readonly complementaryOrganism?: string;
}

export type InvoiceDraftLineKind =
  | 'hospital-service' // GHS, supplements, forfait journalier… → type 3
  | 'fee' // NGAP consultations and acts → type 4
  | 'ccam' // CCAM act coding → type 4M (its amounts travel on the type 4 fee line)
  | 'biology' // NABM → type 4B
  | 'ucd' // UCD drug → type 3H
  | 'lpp'; // LPP device → type 3F

export interface InvoiceDraftLine {
  readonly kind: InvoiceDraftLineKind;
  /** Where the line came from (RSF line number, Claim item sequence): pre-flight errors point back to it. */
  readonly sourceRef: string;
  /** Act/prestation code (NGAP letter key, GHS prestation, NABM code, UCD, LPP code, CCAM code) → 3/4 actCode,
   *  4B nabmCodeN, 3H ucdCode, 3F lppCode, 4M ccamCode. */
  readonly code: string;
  /** Date of care → 4 careDate, 3 stayStartDate, 4B actDateN (AAMMJJ in B2). */
  readonly careDate?: string;
  /** → quantity (3, 4, 4B quantityN, 3H, 3F). */
  readonly quantity?: number;
  /** 2 implied decimals → 3/4 coefficient. */
  readonly coefficient?: number;
  /** Dénombrement → 4 count. */
  readonly count?: number;
  /** Cents → 3/4 unitPrice, 3F unitPrice, 3H unitPurchasePrice. */
  readonly unitPrice?: number;
  /** Base de remboursement, cents → 3/4 reimbursementBase. */
  readonly reimbursementBase?: number;
  /** Whole percent → 3/4 rate. */
  readonly rate?: number;
  /** Amount the AMO pays, cents → 3/4 amoAmount. */
  readonly amoAmount?: number;
  /** Total billed for the line, cents → 3 totalExpense, 4 feesAmount, 3F/3H totalBilled. */
  readonly totalBilled?: number;
  /** Line-level exoneration justification → 3/4 exemptionJustification. */
  readonly exemptionJustification?: string;
  /** Mode de traitement → 3/4 treatmentMode. */
  readonly treatmentMode?: string;
  /** Discipline de prestation → 3/4 serviceDiscipline. */
  readonly serviceDiscipline?: string;
  /** Spécialité de l'exécutant → 4 executantSpecialty. */
  readonly executantSpecialty?: string;
  /** CCAM only → 4M activityCode, phaseCode, modifier1..4, associationCode, documentaryExtension. */
  readonly ccam?: {
    readonly activity?: string;
    readonly phase?: string;
    readonly modifiers: readonly string[];
    readonly association?: string;
    readonly documentaryExtension?: string;
  };
  /** UCD: coefficient de fractionnement digits as written → 3H splitCoefficient. */
  readonly splitCoefficient?: string;
}

export interface InvoiceDraft {
  /** Where it came from: 'rsf' or 'fhir-claim'. */
  readonly source: 'rsf' | 'fhir-claim';
  /** External consultation or stay, when the source says it (FHIR Claim.type); RSF leaves it to the lines. */
  readonly kind?: 'ace' | 'stay';
  /** Invoice number, unique per FINESS, non-zero → type 2 invoiceNumber (30, 9), repeated on every record. */
  readonly invoiceNumber: string;
  /** Entry number (n° d'entrée / venue) → type 2 entryNumber (40, 9). */
  readonly entryNumber: string;
  /** FINESS géographique → partnerNumber (2, 9) on every record (Corsican form applied by the writer). */
  readonly geographicFiness: string;
  /** FINESS the file was declared under in e-PMSI (often the juridique): not written in B2, kept for audit. */
  readonly declaredFiness?: string;
  readonly patient: InvoiceDraftPatient;
  readonly coverage: InvoiceDraftCoverage;
  /** Stay or consultation dates → type 2 entryDate, exitDate; 3 stayStartDate/stayEndDate. */
  readonly stay: { readonly start?: string; readonly end?: string };
  readonly lines: readonly InvoiceDraftLine[];
  /** Totals as the source stated them (cents): pre-flight checks them against the lines (→ type 5). */
  readonly statedTotals: {
    readonly hospitalBase?: number;
    readonly hospitalAmo?: number;
    readonly feesBilled?: number;
    readonly feesAmo?: number;
    readonly hospitalBilled?: number;
  };
}

/**
 * The AMO organism number (grand régime 2 + caisse 3 + centre 4 digits, as FHIR Coverage.payor names it), or undefined
 * while one of its parts is unknown. The draft keeps the three parts because B2 writes them apart and lots are grouped
 * by régime + caisse.
 */
export function amoOrganismOf(c: InvoiceDraftCoverage): string | undefined {
  return c.grandRegime && c.managingFund && c.managingCentre ? `${c.grandRegime}${c.managingFund}${c.managingCentre}` : undefined;
}
