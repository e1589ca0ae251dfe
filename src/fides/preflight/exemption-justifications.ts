/**
 * Justifications d'exonération du ticket modérateur, as pre-flight needs them [modelled table; the full B2 code list
 * is in the non-public norm]. What we know publicly: `0` = no exoneration, `4` = ALD (SNDS documentation, variable
 * EXO_TM; the CDRi answers carry the same code for an ALD).
 *
 * Two questions per code: does it exonerate (rate 100 %), and does it rest on the patient's rights — in which case
 * the CDRi answer must confirm it. Deny by default: a code not listed here is treated as exonerating and as
 * needing confirmation, so an unknown code holds the invoice instead of leaving unchecked. An editor with the norm
 * lists the act-based codes (`rights: false`), which exonerate without the insurer's say.
 */
export interface ExemptionJustification {
  readonly exonerates: boolean;
  /** The exoneration is a status of the patient (ALD…) that the AMO's rights answer states. */
  readonly rights: boolean;
}

export const EXEMPTION_JUSTIFICATIONS: Readonly<Record<string, ExemptionJustification>> = {
  '0': { exonerates: false, rights: false },
  '4': { exonerates: true, rights: true },
};

const UNKNOWN: ExemptionJustification = { exonerates: true, rights: true };

/** Blank means none, like `0`. */
export function exemptionJustification(code: string | undefined): ExemptionJustification {
  const c = code?.trim() ?? '';
  if (c === '') return EXEMPTION_JUSTIFICATIONS['0'];
  return EXEMPTION_JUSTIFICATIONS[c] ?? UNKNOWN;
}
