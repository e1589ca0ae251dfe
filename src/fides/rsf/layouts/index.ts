/**
 * The RSF layouts, as generated from ATIH's published formats (rsf-layouts.generated.json: its header keys name the
 * source, the commit read and the script). JSON, not TS: it is data a newer year replaces, and the file says where
 * it came from. Its shape is checked by compileRsfLayout (rsf-layout.ts) before any line is read with it.
 */
import generated from './rsf-layouts.generated.json';
import type { RsfLayoutDeclaration } from '../rsf-layout-declaration';

/** Where the declarations come from (for logs and the import's answer). */
export const RSF_LAYOUTS_SOURCE: { readonly source: string; readonly commit: string } = {
  source: generated.source,
  commit: generated.commit,
};

export const RSF_LAYOUTS = generated.layouts as readonly RsfLayoutDeclaration[];
