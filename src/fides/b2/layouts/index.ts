/**
 * The declarations the FIDES flow uses: the public invoice records and the modelled envelope, and the modelled NOEMIE
 * returns, each set loaded (checked and compiled) once.
 */
import { type LayoutSet, loadLayouts } from '../layout-loader';
import { B2_ENVELOPE_LAYOUTS } from './b2-envelope.layouts';
import { FIDES_ACE_INVOICE_LAYOUTS } from './fides-ace-invoice.layouts';
import { NOEMIE_RETURN_LAYOUTS } from './noemie-returns.layouts';

export { B2_ENVELOPE_LAYOUTS, B2_ENVELOPE_MODELLED_NOTICE } from './b2-envelope.layouts';
export { FIDES_ACE_INVOICE_LAYOUTS } from './fides-ace-invoice.layouts';
export { NOEMIE_MODELLED_NOTICE, NOEMIE_RETURN_LAYOUTS } from './noemie-returns.layouts';

let cached: LayoutSet | undefined;
let cachedNoemie: LayoutSet | undefined;

/** Invoice records + envelope, checked at first use (a bad declaration throws here, listing every problem). */
export function b2Layouts(): LayoutSet {
  cached ??= loadLayouts([FIDES_ACE_INVOICE_LAYOUTS, B2_ENVELOPE_LAYOUTS]);
  return cached;
}

/** NOEMIE return entities (ARL, RSP) — a set of their own: their 000/999 are not the B2 envelope's. */
export function noemieLayouts(): LayoutSet {
  cachedNoemie ??= loadLayouts([NOEMIE_RETURN_LAYOUTS]);
  return cachedNoemie;
}
