/**
 * Shorthand for writing declarations as one line per field (position, length, kind, presence in the column order of
 * the specification), plus the identity prefix every invoice record repeats. Data helpers only: what they return is
 * a plain FieldDeclaration, checked by layout-loader.ts like any other.
 */
import type { FieldDeclaration, FieldKind, Presence } from '../layout-declaration';

type Extra = Omit<FieldDeclaration, 'name' | 'position' | 'length' | 'kind' | 'presence' | 'meaning'>;

export function field(
  name: string,
  position: number,
  length: number,
  kind: FieldKind,
  presence: Presence,
  meaning: string,
  extra: Extra = {},
): FieldDeclaration {
  return { name, position, length, kind, presence, meaning, ...extra };
}

/** A blank (A) or zero (N) stretch that carries nothing; written by the writer, checked by the parser. */
export function filler(name: string, position: number, length: number, extra: Extra = {}): FieldDeclaration {
  return field(name, position, length, 'A', 'F', 'filler (blank)', { constant: ' '.repeat(length), ...extra });
}

/**
 * Positions 1-29 (or 1-26 on the records without a rank): record type, partner number, filler, insured NIR + key,
 * then the rank (when `rank`) and the invoice number. `idPrefix` is the record's prefix in the transcription's field
 * ids ('03' for [0312], '4M' for [4M12]).
 */
export function identityPrefix(typeDigit: string, idPrefix: string, opts: { rank: boolean; rankPresence?: Presence }): FieldDeclaration[] {
  const id = (pos: number): string => `${idPrefix}${String(pos).padStart(2, '0')}`;
  const fields: FieldDeclaration[] = [
    field('recordType', 1, 1, 'N', 'O', 'record type', { id: id(1), constant: typeDigit, key: true }),
    field('partnerNumber', 2, 9, 'N', 'O', 'health partner number + key: the billing FINESS géographique', {
      id: id(2),
      source: '0202 (EF_CF09_01)',
      code: true,
      finess: true,
    }),
    filler('filler11', 11, 1, { id: id(11) }),
    field('insuredNir', 12, 13, 'A', 'O', "insured person's NIR, 13 characters without key", { id: id(12), source: '0212 (EF_BS03_01)' }),
    field('insuredNirKey', 25, 2, 'N', 'O', "key of the insured person's NIR", { id: id(25), source: '0225 (EF_BS03_01)', code: true }),
  ];
  if (opts.rank) {
    fields.push(
      field('beneficiaryRank', 27, 3, 'N', opts.rankPresence ?? 'O', 'rank of the beneficiary (000 for régime 01)', {
        id: id(27),
        source: '0227',
        code: true,
      }),
      field('invoiceNumber', 30, 9, 'N', 'O', 'invoice or title number, unique, non-zero', { id: id(30), source: '0230', code: true }),
    );
  } else {
    fields.push(
      field('invoiceNumber', 27, 9, 'N', 'O', 'invoice or title number, unique, non-zero', { id: id(27), source: '0230', code: true }),
    );
  }
  return fields;
}

/** Complement letter (key) and sequence of the complement records (2S, 3S, 4M…). */
export function complement(letter: string, idPrefix: string, position: number, sequence?: string): FieldDeclaration[] {
  const id = (pos: number): string => `${idPrefix}${String(pos).padStart(2, '0')}`;
  return [
    field('complementType', position, 1, 'A', 'O', 'complement of the record type', { id: id(position), constant: letter, key: true }),
    field('sequence', position + 1, 2, 'N', 'O', 'sequence number of this complement', {
      id: id(position + 1),
      code: true,
      ...(sequence !== undefined ? { constant: sequence } : {}),
    }),
  ];
}
