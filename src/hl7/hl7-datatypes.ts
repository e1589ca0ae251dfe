/**
 * HL7 v2.5 date data types. DTM is YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]; TS is DTM^precision
 * (callers pass component 1); DT is YYYY[MM[DD]]. Calendar validity is checked too (no 20250231).
 */
const DTM = /^(\d{4})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:\.\d{1,4})?)?)?)?)?)?(?:([+-])(\d{2})(\d{2}))?$/;
const DT = /^(\d{4})(?:(\d{2})(\d{2})?)?$/;

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function validParts(y: string, mo?: string, d?: string, h?: string, mi?: string, s?: string): boolean {
  if (mo !== undefined && (Number(mo) < 1 || Number(mo) > 12)) return false;
  if (mo !== undefined && d !== undefined && (Number(d) < 1 || Number(d) > daysIn(Number(y), Number(mo)))) return false;
  if (h !== undefined && Number(h) > 23) return false;
  if (mi !== undefined && Number(mi) > 59) return false;
  // 60 allowed for a leap second.
  return s === undefined || Number(s) <= 60;
}

export function isHl7Dtm(v: string): boolean {
  const m = DTM.exec(v);
  if (m === null) return false;
  if (m[7] !== undefined && (Number(m[8]) > 14 || Number(m[9]) > 59)) return false;
  return validParts(m[1], m[2], m[3], m[4], m[5], m[6]);
}

export function isHl7Dt(v: string): boolean {
  const m = DT.exec(v);
  return m !== null && validParts(m[1], m[2], m[3]);
}

/** 'YYYY-MM-DD' from a DTM/DT with at least day precision, else undefined. */
export function hl7DateToIso(v: string): string | undefined {
  if (v.length < 8 || !isHl7Dtm(v)) return undefined;
  return `${v.slice(0, 4)}-${v.slice(4, 6)}-${v.slice(6, 8)}`;
}
