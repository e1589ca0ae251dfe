/**
 * A small CSV writer for the lists a billing office opens in a spreadsheet [RFC 4180 quoting]. A cell is quoted when
 * it holds the separator, a quote, CR or LF, quotes doubled inside. Cells that a spreadsheet would run as a formula
 * (starting with = + - @, tab or CR) are prefixed with a quote mark [OWASP "CSV injection"]: an IPP or an invoice
 * field comes from the GAP, and a list opened by the billing office must not execute what a source wrote.
 */
export interface CsvOptions {
  /** `;` by default: a French spreadsheet reads `,` as the decimal mark and would put every row in one column. */
  readonly separator?: string;
}

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: string, separator = ';'): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  const needsQuotes = safe.includes(separator) || /["\r\n]/.test(safe);
  return needsQuotes ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** Header row then one row per record, CRLF after each (RFC 4180). */
export function toCsv(header: readonly string[], rows: readonly (readonly string[])[], opts: CsvOptions = {}): string {
  const sep = opts.separator ?? ';';
  return [header, ...rows].map((r) => r.map((c) => csvCell(c, sep)).join(sep) + '\r\n').join('');
}
