/**
 * The insurer's Retry-After (RFC 9110 §10.2.3: delta-seconds or an HTTP-date), read once here so that every flow —
 * the kiosk's 503, the lot worker's pause — waits for what the insurer asked, not for a number of our own.
 */

/**
 * Longest wait we honour: 5 minutes. An insurer closed for longer is better served by our own retry schedule (the
 * next try gets a fresh Retry-After) than by a worker frozen for hours on one header — a misconfigured front end or a
 * date years ahead must not stall a night lot, and no kiosk user waits even that long.
 */
export const MAX_RETRY_AFTER_MS = 5 * 60 * 1000;

/** Retry-After in ms, capped at MAX_RETRY_AFTER_MS; a date in the past is 0; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, MAX_RETRY_AFTER_MS);
  // Only the IMF-fixdate / obsolete date forms contain a comma or letters; a bare negative or decimal number is
  // neither a delta nor a date (Date.parse would read "-1" or "1.5" as a year).
  if (!/[A-Za-z]/.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.min(Math.max(0, at - now), MAX_RETRY_AFTER_MS);
}

/** Whole seconds for a Retry-After header we send on: at least 1 (a 0 would read as "retry at once"). */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
