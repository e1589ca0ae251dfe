/**
 * Typed values of a B2 record, keyed by field name (layouts/*.layouts.ts):
 * - A → string (upper-case ASCII; free-text fields are transliterated when written);
 * - N code → digit string, leading zeros significant (FINESS, invoice number, organism codes…);
 * - N → integer (with the declared `scale`: a coefficient "3+2" of 1.50 is 150);
 * - M → integer amount in cents;
 * - D → 'AAMMJJ' as read; the writer also takes 'YYYY-MM-DD'. B2 dates carry no century: a reader that needs one
 *   decides it from context (a birth date and a date of care do not resolve the same way).
 * Empty and zero are the same bytes in B2: an optional field left empty, or zero, reads back as absent. Fields with
 * a declared constant (record type, complement letter, fillers) are written by the writer and checked by the parser;
 * they are not part of the values.
 */
export type B2Value = string | number;
export type B2Values = Readonly<Record<string, B2Value | undefined>>;

/** One record: its declared code ('2', '4M', '000'…) and its values. */
export interface B2Record {
  readonly code: string;
  readonly values: B2Values;
}

/** An invoice: its records in file order, type 2 first, type 5 last. */
export interface B2Invoice {
  readonly records: readonly B2Record[];
}
