/** Calendar dates in the establishment's time zone (the night lot runs at 21:00 Paris time for "tomorrow"). */
export function localDate(now: Date, timeZone: string): string {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

export function addDays(isoDate: string, days: number): string {
  const d = new Date(`${isoDate}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Window of a night lot: from tomorrow, `horizonDays` days. */
export function lotWindow(now: Date, timeZone: string, horizonDays: number): { lotDate: string; from: string; to: string } {
  const lotDate = localDate(now, timeZone);
  return { lotDate, from: addDays(lotDate, 1), to: addDays(lotDate, horizonDays) };
}
