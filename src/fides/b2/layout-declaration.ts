/**
 * The B2 layout is data: what a record-layout declaration says. The writer (record-writer.ts) and the parser
 * (record-parser.ts) are both derived from these declarations, so the bytes we send and the bytes we read back can
 * only disagree if a declaration is wrong — and layout-loader.ts refuses a declaration that does not add up.
 *
 * A certified editor holding the official kit replaces a declaration file (layouts/*.layouts.ts, or the same shape
 * as JSON given to loadLayouts) without touching the writer, the parser or the rules.
 */

/**
 * N numeric, right-aligned, zero-padded (zero when empty); A alphanumeric, upper-case ASCII without punctuation,
 * left-aligned, space-padded (blank when empty); D date AAMMJJ (zeros when empty); M amount in cents, unsigned,
 * right-aligned, zero-padded. [public: SFG FIDES ACE, TF §3.1, via the transcription named in LAYOUTS.md]
 */
export type FieldKind = 'N' | 'A' | 'D' | 'M';

/** O obligatoire, F facultatif — the transcription's "présence". */
export type Presence = 'O' | 'F';

/**
 * Quantities the file writer computes and fills in (lot and file trailers, lot number): a replacement envelope
 * declaration names its own fields and tags them with these, so the writer needs no change.
 */
export type DerivedQuantity =
  | 'lotNumber'
  | 'lotInvoiceCount'
  | 'lotRecordCount'
  | 'lotTotalBilled'
  | 'lotTotalAmo'
  | 'fileLotCount'
  | 'fileRecordCount'
  | 'fileInvoiceCount';

/** Which invoice total a type-5 field contributes to (what the lot trailer sums). */
export type InvoiceTotal = 'billed' | 'amo';

export interface FieldDeclaration {
  /** camelCase, unique in its record; the key of the field in typed values. */
  readonly name: string;
  /** The field's id in the public transcription (`[0312]` → `0312`), when it has one. */
  readonly id?: string;
  /** 1-based position of the first character. */
  readonly position: number;
  readonly length: number;
  readonly kind: FieldKind;
  readonly presence: Presence;
  /** What the field holds, in our words. */
  readonly meaning: string;
  /** Where the value comes from: a data-dictionary id (EF_…) or the id of the field it copies. */
  readonly source?: string;
  /** Fixed content, exactly `length` characters; the writer fills it, the parser checks it. */
  readonly constant?: string;
  /** Part of what tells this record type from the others when reading (needs `constant`). */
  readonly key?: boolean;
  /** N only: an identifier or code, read and written as a digit string (leading zeros significant). */
  readonly code?: boolean;
  /** N only: implied decimals (a coefficient "3+2" is the integer 150 for 1.50). */
  readonly scale?: number;
  /** Carries a FINESS: Corsican 2A…/2B… written 2001…/2002… (RG_MF609, RG_MF636). */
  readonly finess?: boolean;
  /** A only: free text (names), transliterated to upper-case ASCII without punctuation. */
  readonly text?: boolean;
  /** Filled by the file writer. */
  readonly derive?: DerivedQuantity;
  /** Type 5 only: the invoice total this amount contributes to. */
  readonly total?: InvoiceTotal;
  /** Where the transcription is unclear or inconsistent, and what we chose. */
  readonly note?: string;
}

/** The part an envelope record plays; the file writer and reader find the envelope by role, not by code. */
export type EnvelopeRole = 'fileHeader' | 'lotHeader' | 'lotTrailer' | 'fileTrailer';

export interface RecordDeclaration {
  /** '2', '2S', '4M', '000'… — what errors, rules and values call this record. */
  readonly code: string;
  readonly name: string;
  /** Envelope records only. */
  readonly role?: EnvelopeRole;
  /** The rule of the specification that builds it (RG_MF631…), when public. */
  readonly rule?: string;
  readonly fields: readonly FieldDeclaration[];
  readonly note?: string;
}

export interface LayoutDeclaration {
  readonly name: string;
  /** public: facts from a named public source; modelled: ours, not certified. */
  readonly status: 'public' | 'modelled';
  readonly source: string;
  readonly recordLength: number;
  readonly records: readonly RecordDeclaration[];
}
