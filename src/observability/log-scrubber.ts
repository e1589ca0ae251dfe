/**
 * Defence in depth for the rule "no NIR in any log": the code never logs patient data on purpose,
 * and this scrubber replaces anything shaped like a NIR (13 or 15 characters, Corsican 2A/2B included)
 * that slipped into a log line anyway. It does not replace the discipline: a test scans real logs.
 *
 * NIR-shaped means: sex 1-4/7/8, year, month (01-12, or 20-99 for unknown/fictitious months), department (2 digits
 * or 2A/2B), commune and order (3+3 digits), then an optional 2-digit key; the groups may be separated by single
 * spaces ("1 85 12 99 999 001 96", how NIRs are printed). The edges are "not a digit" rather than word boundaries:
 * sender text glues a NIR to letters ("NIR185129999900196"), which \b would let through. A longer digit run (a
 * 20-digit id) is not a NIR and is left alone.
 */
const NIR_SHAPE = /(?<![0-9])[1-478] ?\d{2} ?(?:0[1-9]|1[0-2]|[2-9]\d) ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3}(?: ?\d{2})?(?![0-9])/gi;

export function scrubText(text: string): string {
  return text.replace(NIR_SHAPE, '[NIR]');
}
