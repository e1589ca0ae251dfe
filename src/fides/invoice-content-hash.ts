import { createHash } from 'node:crypto';
import type { InvoiceDraft } from './invoice-draft';

/** JSON with keys sorted and undefined members dropped: the same invoice always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      // Keys are plain ASCII property names: code-unit order is stable and locale-free.
      .sort(([a], [b]) => Number(a > b) - Number(a < b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * SHA-256 of the canonical draft: what makes intake idempotent (same number + same hash = the same invoice sent
 * again). Where a line came from (`sourceRef`) is not content: a Claim whose items are renumbered is the same invoice.
 */
export function invoiceContentHash(draft: InvoiceDraft): string {
  const content = { ...draft, lines: draft.lines.map(({ sourceRef: _ref, ...line }) => line) };
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}
