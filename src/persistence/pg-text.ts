/**
 * PostgreSQL `text` and `jsonb` cannot hold U+0000, which sender text may contain (the HL7 fuzz test found it: a NUL
 * in MSH-3 made the INSERT fail, every time). Values we keep as text go through this; the exact bytes stay in the
 * `raw` bytea column. U+FFFD (replacement character) shows where something was.
 */
export function pgText<T extends string | null | undefined>(value: T): T {
  return (typeof value === 'string' && value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value) as T;
}

/** JSON for a jsonb column: strings cleaned as pgText (JSON.stringify would write \u0000, which jsonb refuses). */
export function pgJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? pgText(v) : v));
}
