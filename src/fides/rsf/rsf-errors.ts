/**
 * What can be wrong in an RSF file. An error names the line, the record type and the field (our name and the ATIH
 * variable), and what is wrong — never the value: RSF lines carry NIRs, birth dates and IPPs.
 */
export type RsfProblem =
  | 'unknown-record' // first character is not a declared record type
  | 'short-line' // fewer characters than the record type declares
  | 'long-line' // more characters than the record type declares
  | 'missing' // mandatory field blank
  | 'not-numeric' // a numeric field (N, I, M, D) holds something other than digits
  | 'bad-date' // JJMMAAAA that is not a real day
  | 'orphan-line' // a line before any invoice header (A)
  | 'wrong-invoice' // a line whose entry or invoice number differs from its header's
  | 'too-many-lines'; // an invoice with more lines than a reader keeps

export interface RsfError {
  /** 1-based line number in the file. */
  readonly line: number;
  readonly recordType?: string;
  /** Our field name. */
  readonly field?: string;
  /** The ATIH variable name of that field (NOSS, DATSOINS…), to look it up in ATIH's format. */
  readonly atih?: string;
  readonly problem: RsfProblem;
  readonly message: string;
}

export function rsfError(
  line: number,
  problem: RsfProblem,
  detail: string,
  recordType?: string,
  field?: { readonly name: string; readonly atih: string },
): RsfError {
  const where = `RSF line ${line}${recordType !== undefined ? `, record ${recordType}` : ''}${
    field !== undefined ? `, field ${field.name} (${field.atih})` : ''
  }`;
  return { line, recordType, field: field?.name, atih: field?.atih, problem, message: `${where}: ${detail}` };
}
