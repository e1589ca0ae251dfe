/**
 * Test-only: renders RSF lines from values by our field names, walking the same declaration the parser walks
 * (text left-aligned and space-padded, numbers right-aligned and zero-padded, dates JJMMAAAA). Production never
 * writes RSF: GAPs do.
 */
import { type RsfLayout, rsfLayout } from './rsf-layout';
import type { RsfRecordType } from './rsf-layout-declaration';

export type RsfTestValues = Readonly<Record<string, string | number>>;

export function rsfTestLine(type: RsfRecordType, values: RsfTestValues, layout: RsfLayout = rsfLayout()): string {
  const rec = layout.records.get(type);
  if (rec === undefined) throw new Error(`no record ${type}`);
  const chars = (type + ' '.repeat(rec.length - 1)).split('');
  for (const [name, value] of Object.entries(values)) {
    const f = rec.fields.find((x) => x.name === name);
    if (f === undefined) throw new Error(`record ${type} has no field ${name}`);
    let text: string;
    if (f.kind === 'D') text = String(value).replace(/^(\d{4})-(\d{2})-(\d{2})$/, '$3$2$1');
    else if (f.kind === 'A') text = String(value).padEnd(f.length, ' ');
    else text = String(value).padStart(f.length, '0');
    if (text.length !== f.length) throw new Error(`record ${type} field ${name}: ${text.length} characters for ${f.length}`);
    chars.splice(f.start, f.length, ...text.split(''));
  }
  return chars.join('');
}
