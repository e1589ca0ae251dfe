/**
 * Calendar dates (date of care, birth date) as they cross our borders: ISO YYYY-MM-DD everywhere inside, French
 * DD/MM/YYYY in the CSV lists a GAP exports. A date must exist: `Date.parse('2024-02-31')` gives 2 March rather than an
 * error, so the check rebuilds the day and compares.
 */
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const FRENCH_DATE = /^(\d{2})\/(\d{2})\/(\d{4})$/;

function existingDay(year: number, month: number, day: number): boolean {
  // setUTCFullYear rolls an overflowing day into the next month (31 Feb → 2 or 3 Mar) and, unlike Date.UTC, keeps
  // years 0-99 as they are: the day exists when nothing rolled.
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/**
 * True for a real calendar day written YYYY-MM-DD. Year 0000 does not exist (1 BC is followed by AD 1) and PostgreSQL
 * refuses it ("date/time field value out of range"), which used to surface as a 500 quoting the date into the log.
 */
export function isIsoDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = ISO_DATE.exec(value);
  return m !== null && Number(m[1]) > 0 && existingDay(Number(m[1]), Number(m[2]), Number(m[3]));
}

/** DD/MM/YYYY → YYYY-MM-DD, or undefined when it is not a real day in that form. */
export function frenchDateToIso(value: string): string | undefined {
  const m = FRENCH_DATE.exec(value);
  if (!m) return undefined;
  const iso = `${m[3]}-${m[2]}-${m[1]}`;
  return isIsoDate(iso) ? iso : undefined;
}

/** A date written either way (the CSV accepts both) → YYYY-MM-DD, or undefined. */
export function readCalendarDate(value: string): string | undefined {
  return isIsoDate(value) ? value : frenchDateToIso(value);
}
