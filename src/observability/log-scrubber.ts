/**
 * Defence in depth for the rule "no NIR in any log": the code never logs patient data on purpose,
 * and this scrubber replaces anything shaped like a NIR (13 or 15 characters, Corsican 2A/2B included)
 * that slipped into a log line anyway. It does not replace the discipline: a test scans real logs.
 */
const NIR_SHAPE = /\b[1-478]\d{2}(?:0[1-9]|1[0-2]|[2-9]\d)(?:\d{2}|2A|2B)\d{6}(?:\d{2})?\b/gi;

export function scrubText(text: string): string {
  return text.replace(NIR_SHAPE, '[NIR]');
}
