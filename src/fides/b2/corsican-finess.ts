/**
 * RG_MF609 / RG_MF636 [public: SFG FIDES ACE, via the transcription named in LAYOUTS.md]: an establishment id of
 * FINESS type that holds the Corsican department 2A or 2B is written numerically in invoices:
 * `2AyyxxxxL` → `2001xxxxL`, `2ByyxxxxL` → `2002xxxxL` (the specification's examples: 2A0002689 → 200102689).
 * The two characters `yy` are dropped as the rule says; its examples all have yy = 00.
 */
const CORSICAN = /^2([AB])\d{2}(\d{5})$/;

/** The numeric form of a Corsican FINESS; any other value unchanged. */
export function b2FinessForm(finess: string): string {
  // Hot path: anything whose second character is not A or B is not Corsican.
  const second = finess.charCodeAt(1);
  if (second !== 65 && second !== 66) return finess;
  const m = CORSICAN.exec(finess);
  if (!m) return finess;
  return `200${m[1] === 'A' ? '1' : '2'}${m[2]}`;
}
