/**
 * The ATIH RSF layout is data: what an RSF record-layout declaration says, one declaration per published layout
 * (layouts/rsf-layouts.generated.ts, produced by scripts/rsf-layouts-from-pmeasyr.ts from ATIH's published formats).
 *
 * A sibling of the B2 declaration (../b2/layout-declaration.ts), not an extension of it: B2 declarations describe
 * records that we both write and read, all 128 characters, recognised by constant key fields, with AAMMJJ dates —
 * and the B2 writer, parser and round-trip property rely on that. RSF records are only read, have one length per
 * record type (A 310, B 164, M 137…), are recognised by their first character alone, write dates JJMMAAAA and leave
 * optional numbers blank. Generalising the B2 type would have loosened what the B2 loader can check for every B2
 * declaration; a sibling keeps both strict. What is shared is shared: the presence vocabulary (O/F) and the field
 * naming rules (camelCase names, meaning in our words) are the B2 ones.
 */
import type { FieldDeclaration, Presence } from '../b2/layout-declaration';

/**
 * A text, trimmed (any printable character: an IPP may hold lower case); N digits kept as a string (codes, keys,
 * FINESS: leading zeros significant); I integer, with `scale` implied decimals when given; M amount in cents
 * (2 implied decimals), unsigned; D date JJMMAAAA, read as YYYY-MM-DD. Blank (or all-zero for D) means absent.
 */
export type RsfFieldKind = 'A' | 'N' | 'I' | 'M' | 'D';

/** Same name/position/length/meaning/note rules as a B2 field; RSF kinds and the ATIH variable name added. */
export interface RsfFieldDeclaration extends Pick<FieldDeclaration, 'name' | 'position' | 'length' | 'meaning' | 'note'> {
  /** The ATIH variable name (NOSS, NUMENT…), as the source spells it: the link back to the published format. */
  readonly atih: string;
  readonly kind: RsfFieldKind;
  readonly presence: Presence;
  /** I only: implied decimals (a coefficient 000150 with scale 2 is 150, meaning 1.50). */
  readonly scale?: number;
}

/** The RSF record types this reader knows: the first character of every line. */
export type RsfRecordType = 'A' | 'B' | 'C' | 'H' | 'L' | 'M' | 'P';

export interface RsfRecordDeclaration {
  readonly type: RsfRecordType;
  readonly name: string;
  /** Characters in a line of this type (without the end of line). */
  readonly length: number;
  readonly fields: readonly RsfFieldDeclaration[];
}

export interface RsfLayoutDeclaration {
  /**
   * The PMSI years ATIH published this very layout for, ascending and consecutive (ATIH republishes the formats every
   * year, often unchanged: identical years share one declaration).
   */
  readonly years: readonly number[];
  readonly status: 'public';
  readonly source: string;
  readonly records: readonly RsfRecordDeclaration[];
}
