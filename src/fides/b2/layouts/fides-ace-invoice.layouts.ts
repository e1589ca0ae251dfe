/**
 * B2 invoice records (types 2, 2S, 3, 3S, 3E, 3F, 3H, 4, 4S, 4E, 4B, 4H, 4M, 5), field by field.
 *
 * [public] Facts (positions, lengths, formats, presence, fixed values) from the public Markdown transcription of
 * GIE SESAM-Vitale's functional specification "SFG FIDES ACE" (written against norme B2 2005-E), repository
 * jbaptiste-pons/hexagone-foundation-skills, skills/fides-ace-spec/reference/06-TF-transmettre-factures.md, rules
 * RG_MF610-614 (types 3x), RG_MF620-626 (types 4x), RG_MF631-633 (types 2, 2S, 5). The original is © GIE
 * SESAM-Vitale; only facts are taken, the meanings are written in our words. The transcription gives each field an
 * id whose last digits are its position ([0356] = type 3, position 56): layout-loader.ts checks ids against
 * positions, contiguity and the 128-character end. Where the transcription does not add up, the field carries a
 * `note` and LAYOUTS.md lists it. The records are declared in three files by family (invoice-frame, hospital-lines,
 * fee-lines); this one puts them together in the order an invoice is written.
 *
 * Kinds: the transcription writes every number and date as N; here dates are D (AAMMJJ), amounts ("5+2", "6+2")
 * are M (cents), coefficients ("3+2", "1+4") are N with a scale, identifiers are N codes (digit strings).
 */
import type { LayoutDeclaration } from '../layout-declaration';
import { FEE_LINE_RECORDS } from './fee-lines.layouts';
import { HOSPITAL_LINE_RECORDS } from './hospital-lines.layouts';
import { INVOICE_HEADER_RECORDS, INVOICE_TRAILER_RECORDS } from './invoice-frame.layouts';

const TRANSCRIPTION =
  'SFG FIDES ACE (GIE SESAM-Vitale, norme B2 2005-E), public transcription: jbaptiste-pons/hexagone-foundation-skills, ' +
  'skills/fides-ace-spec/reference/06-TF-transmettre-factures.md';

export const FIDES_ACE_INVOICE_LAYOUTS: LayoutDeclaration = {
  name: 'b2-invoice',
  status: 'public',
  source: TRANSCRIPTION,
  recordLength: 128,
  records: [...INVOICE_HEADER_RECORDS, ...HOSPITAL_LINE_RECORDS, ...FEE_LINE_RECORDS, ...INVOICE_TRAILER_RECORDS],
};
