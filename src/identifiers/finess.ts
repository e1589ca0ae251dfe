/**
 * FINESS (Fichier National des Établissements Sanitaires et Sociaux) numbers: the establishment or site that asks
 * an insurer, signs a lot or receives a return. Checked at boot (config), at the HTTP edge and before any call.
 */

/** Luhn over a digit string: every second digit from the right doubled. */
function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * FINESS: 9 characters, last one a Luhn check digit over all 9.
 *
 * Corsica (2A/2B in the first two positions): the official mapping is NOT public (DOMAIN.md: "to
 * confirm"). Two readings circulate: 2A→"21"/2B→"22" (seen in gip-inclusion/pilotage,
 * pilotage/itoutils/validators.py) and both→"20" (the pre-1976 department number). We accept a
 * Corsican FINESS when its key holds under EITHER reading: rejecting a real Corsican site would block
 * all its insurer calls, whereas letting a typo through only costs one insurer-side rejection.
 * Tighten this to one mapping once confirmed against the FINESS extract (one line to change).
 */
export function isValidFiness(finess: string): boolean {
  if (typeof finess !== 'string' || finess.length !== 9) return false;
  if (/^\d{9}$/.test(finess)) return luhnValid(finess);
  const corsica = /^2([AB])(\d{7})$/.exec(finess);
  if (!corsica) return false;
  const rest = corsica[2];
  const letterReading = (corsica[1] === 'A' ? '21' : '22') + rest;
  return luhnValid(letterReading) || luhnValid('20' + rest);
}
