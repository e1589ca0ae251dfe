/**
 * Wall-clock time in the establishment's time zone: the daily cut-off (FIDES_LOT_CUTOFF, "18:00" in Paris is not a
 * UTC hour) and the creation date and time written in the file header.
 */

interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

function wallTime(at: Date, timeZone: string): WallTime {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(at);
  const n = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
  return { year: n('year'), month: n('month'), day: n('day'), hour: n('hour'), minute: n('minute') };
}

/** The instant at which the wall clock of `timeZone` reads this date and time (DST-safe within the hour it moves). */
function instantOf(w: WallTime, timeZone: string): Date {
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);
  let guess = asUtc;
  for (let i = 0; i < 2; i++) {
    const seen = wallTime(new Date(guess), timeZone);
    const seenAsUtc = Date.UTC(seen.year, seen.month - 1, seen.day, seen.hour, seen.minute);
    guess += asUtc - seenAsUtc;
  }
  return new Date(guess);
}

/** The latest instant not after `now` at which the local clock read `hhmm` (today's cut-off, or yesterday's). */
export function lastCutoff(now: Date, hhmm: string, timeZone: string): Date {
  const [hour, minute] = hhmm.split(':').map(Number);
  const today = wallTime(now, timeZone);
  const cut = instantOf({ ...today, hour, minute }, timeZone);
  if (cut.getTime() <= now.getTime()) return cut;
  const yesterday = new Date(Date.UTC(today.year, today.month - 1, today.day - 1));
  return instantOf(
    { year: yesterday.getUTCFullYear(), month: yesterday.getUTCMonth() + 1, day: yesterday.getUTCDate(), hour, minute },
    timeZone,
  );
}

/** YYYY-MM-DD and HHMM on the local clock, as the (modelled) file header writes them. */
export function localStamp(now: Date, timeZone: string): { date: string; time: string } {
  const w = wallTime(now, timeZone);
  const p = (v: number, n = 2): string => String(v).padStart(n, '0');
  return { date: `${p(w.year, 4)}-${p(w.month)}-${p(w.day)}`, time: `${p(w.hour)}${p(w.minute)}` };
}
