/**
 * NIR checks, done at every border a NIR crosses (HL7, FHIR, CSV, lot lists) and again before any insurer call.
 *
 * A NIR is personal data: nothing here ever echoes it. Rejection reasons name the faulty part
 * ("month", "key"…) so that a GAP team can fix its data without the value ever reaching a log line.
 *
 * NIR layout (1-based positions): 1 sex, 2-3 year, 4-5 month, 6-7 department (2A/2B for Corsica),
 * 8-10 commune, 11-13 numéro d'ordre, 14-15 key.
 * Key = 97 − (body mod 97), the body being read with 2A→19 and 2B→18 [public: python-stdnum nir.py,
 * INSEE]. We follow INSEE's 01..97 range (a body divisible by 97 has key 97, not 00).
 */

export type NirCheck = { ok: true } | { ok: false; reason: string };

const NIR_LENGTH = 15;
/** 1/2 = man/woman; 3/4 = foreign-born pending registration; 7/8 = temporary number (NIA-like). */
const SEX_DIGITS = new Set(['1', '2', '3', '4', '7', '8']);

/**
 * Reads the 13-char body as a number, Corsica departments mapped as INSEE does.
 * 13 digits stay below 2^53, so plain numbers are exact and faster than BigInt on the hot path.
 */
function bodyToNumber(body13: string): number {
  let body = body13;
  const dept = body.slice(5, 7);
  // Positional replacement: "2A" elsewhere in the body would already be rejected as a bad character.
  if (dept === '2A') body = body.slice(0, 5) + '19' + body.slice(7);
  else if (dept === '2B') body = body.slice(0, 5) + '18' + body.slice(7);
  return Number(body);
}

/** Key of a 13-char NIR body, as two digits "01".."97". Throws on a malformed body (caller's bug). */
export function computeNirKey(body13: string): string {
  if (!/^\d{5}(\d{2}|2[AB])\d{6}$/.test(body13)) {
    throw new Error('computeNirKey: body must be 13 characters (digits, 2A/2B at positions 6-7)');
  }
  const key = 97 - (bodyToNumber(body13) % 97);
  return key.toString().padStart(2, '0');
}

/** Validates format and key; the reason never contains the NIR (nor any part of it). */
export function validateNir(nir: string): NirCheck {
  if (typeof nir !== 'string') return { ok: false, reason: 'NIR must be a string' };
  if (nir.length !== NIR_LENGTH) {
    return { ok: false, reason: `NIR length must be ${NIR_LENGTH} characters (got ${nir.length})` };
  }
  if (!/^\d{5}(\d{2}|2[AB])\d{8}$/.test(nir)) {
    return {
      ok: false,
      reason: 'NIR characters: digits only, except 2A/2B (upper case) as department at positions 6-7',
    };
  }
  if (!SEX_DIGITS.has(nir[0])) {
    return { ok: false, reason: 'NIR sex digit (position 1) must be 1, 2, 3, 4, 7 or 8' };
  }
  const month = Number(nir.slice(3, 5));
  // 20-42 and 50-99 are the "unknown month" ranges INSEE uses for people with incomplete civil status.
  const monthOk = (month >= 1 && month <= 12) || (month >= 20 && month <= 42) || month >= 50;
  if (!monthOk) {
    return { ok: false, reason: 'NIR month (positions 4-5) must be 01-12, 20-42 or 50-99' };
  }
  if (nir.slice(5, 7) === '00') {
    return { ok: false, reason: 'NIR department (positions 6-7) cannot be 00' };
  }
  if (nir.slice(10, 13) === '000') {
    return { ok: false, reason: "NIR numéro d'ordre (positions 11-13) cannot be 000" };
  }
  const key = Number(nir.slice(13, 15));
  if (key < 1 || key > 97) {
    return { ok: false, reason: 'NIR key (positions 14-15) must be 01-97' };
  }
  if (computeNirKey(nir.slice(0, 13)) !== nir.slice(13, 15)) {
    return { ok: false, reason: 'NIR key (positions 14-15) does not match the body' };
  }
  return { ok: true };
}
