/**
 * B2 dates are AAMMJJ [public: SFG FIDES ACE, TF §3.1]. The century is not written: 29 February is accepted in any
 * year divisible by 4 (2000 was a leap year; 1900 is out of any billing range).
 */
const ISO = /^(\d{2})(\d{2})-(\d{2})-(\d{2})$/;
const AAMMJJ = /^\d{6}$/;
const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** True when AAMMJJ names a real day (29 February only when AA is divisible by 4). */
export function isB2Date(aammjj: string): boolean {
  if (!AAMMJJ.test(aammjj)) return false;
  const yy = Number(aammjj.slice(0, 2));
  const mm = Number(aammjj.slice(2, 4));
  const dd = Number(aammjj.slice(4, 6));
  if (mm < 1 || mm > 12 || dd < 1 || dd > DAYS[mm - 1]) return false;
  return !(mm === 2 && dd === 29 && yy % 4 !== 0);
}

/** 'YYYY-MM-DD' or 'AAMMJJ' → 'AAMMJJ', or undefined when it is not a real day in either form. */
export function toB2Date(value: string): string | undefined {
  const iso = ISO.exec(value);
  if (iso) {
    const year = Number(iso[1] + iso[2]);
    const leapOk = !(iso[3] === '02' && iso[4] === '29') || (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0));
    const out = iso[2] + iso[3] + iso[4];
    return leapOk && isB2Date(out) ? out : undefined;
  }
  return isB2Date(value) ? value : undefined;
}
