/**
 * The declarations the FIDES flow uses: the public invoice records and the modelled envelope, loaded (checked and
 * compiled) once.
 */
import { type LayoutSet, loadLayouts } from '../layout-loader';
import { B2_ENVELOPE_LAYOUTS } from './b2-envelope.layouts';
import { FIDES_ACE_INVOICE_LAYOUTS } from './fides-ace-invoice.layouts';

export { B2_ENVELOPE_LAYOUTS, B2_ENVELOPE_MODELLED_NOTICE } from './b2-envelope.layouts';
export { FIDES_ACE_INVOICE_LAYOUTS } from './fides-ace-invoice.layouts';

let cached: LayoutSet | undefined;

/** Invoice records + envelope, checked at first use (a bad declaration throws here, listing every problem). */
export function b2Layouts(): LayoutSet {
  cached ??= loadLayouts([FIDES_ACE_INVOICE_LAYOUTS, B2_ENVELOPE_LAYOUTS]);
  return cached;
}
