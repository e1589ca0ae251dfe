/**
 * Errors of the B2 writer and parser. They name where the problem is — record type, field, invoice number (writer)
 * or line number (parser) — and what is wrong, never the value: a B2 field may hold a NIR, a name or a birth date.
 * A B2WriteError becomes a pre-flight error of the invoice; a B2ParseError names the record of a malformed file.
 */
export type B2WriteProblem =
  | 'missing' // mandatory field without a value
  | 'too-long' // value longer than the field: never truncated
  | 'not-representable' // wrong type, negative, not an integer, characters outside the field's alphabet
  | 'bad-date'
  | 'constant' // value differs from the declared fixed content
  | 'unknown-field'
  | 'unknown-record';

export class B2WriteError extends Error {
  constructor(
    readonly recordType: string,
    readonly field: string | undefined,
    readonly invoice: string | undefined,
    readonly problem: B2WriteProblem,
    /** The reason without the record, field and invoice: counts and declared names only, never the value. */
    readonly detail: string,
  ) {
    super(
      `B2 record ${recordType}${field !== undefined ? ` field ${field}` : ''}${invoice !== undefined ? ` (invoice ${invoice})` : ''}: ${detail}`,
    );
    this.name = 'B2WriteError';
  }
}

export class B2ParseError extends Error {
  constructor(
    readonly line: number,
    readonly recordType: string | undefined,
    readonly field: string | undefined,
    /** The reason without the record, field and invoice: counts and declared names only, never the value. */
    readonly detail: string,
  ) {
    super(
      `B2 line ${line}${recordType !== undefined ? `, record ${recordType}` : ''}${field !== undefined ? `, field ${field}` : ''}: ${detail}`,
    );
    this.name = 'B2ParseError';
  }
}
