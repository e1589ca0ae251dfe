/**
 * Checks an RSF layout declaration (rsf-layout-declaration.ts) and compiles it into what the record parser walks.
 * Like the B2 loader, a declaration that does not add up (gap, overlap, a record whose fields do not end at its
 * length, a date that is not 8 characters…) is refused with every problem listed at once, so that a year added by
 * the generator script is fixed in one pass.
 */
import { LayoutDeclarationError } from '../b2/layout-loader';
import type { RsfFieldKind, RsfLayoutDeclaration, RsfRecordType } from './rsf-layout-declaration';
import { RSF_LAYOUTS } from './layouts/rsf-layouts.generated';

export interface RsfCompiledField {
  readonly name: string;
  readonly atih: string;
  /** 0-based offset in the line. */
  readonly start: number;
  readonly length: number;
  readonly kind: RsfFieldKind;
  readonly mandatory: boolean;
  readonly scale: number;
}

export interface RsfCompiledRecord {
  readonly type: RsfRecordType;
  readonly name: string;
  readonly length: number;
  /** Fields that carry a value (fillers left out: nothing reads them). */
  readonly fields: readonly RsfCompiledField[];
}

export interface RsfLayout {
  readonly year: number;
  readonly records: ReadonlyMap<string, RsfCompiledRecord>;
  /** The longest declared record: lines longer than this are refused before any decoding. */
  readonly maxLength: number;
}

const KIND_SET: ReadonlySet<string> = new Set<RsfFieldKind>(['A', 'N', 'I', 'M', 'D']);
const DATE_LENGTH = 8;
/** Above 15 digits a JS number is no longer exact: such I/M fields would have to be N. */
const MAX_DIGITS = 15;

function problemsOf(decl: RsfLayoutDeclaration): string[] {
  const problems: string[] = [];
  const types = new Set<string>();
  for (const r of decl.records) {
    const at = `RSF ${decl.year} record ${r.type}`;
    if (types.has(r.type)) problems.push(`${at}: declared twice`);
    types.add(r.type);
    const names = new Set<string>();
    let next = 1;
    for (const f of r.fields) {
      const where = `${at} field ${f.name}`;
      if (names.has(f.name)) problems.push(`${where}: name used twice`);
      names.add(f.name);
      if (f.position !== next) problems.push(`${where}: starts at ${f.position}, the previous field ends at ${next - 1}`);
      if (!KIND_SET.has(f.kind)) problems.push(`${where}: kind ${String(f.kind)} is not one of A, N, I, M, D`);
      if (f.kind === 'D' && f.length !== DATE_LENGTH) problems.push(`${where}: a date is JJMMAAAA, ${DATE_LENGTH} characters`);
      if ((f.kind === 'I' || f.kind === 'M') && f.length > MAX_DIGITS) problems.push(`${where}: too long for a number; declare it N`);
      if (f.scale !== undefined && f.kind !== 'I') problems.push(`${where}: scale applies to I fields only`);
      next = f.position + f.length;
    }
    if (r.fields[0]?.name !== 'recordType' || r.fields[0].length !== 1) problems.push(`${at}: must start with recordType (1, 1)`);
    if (next - 1 !== r.length) problems.push(`${at}: fields end at ${next - 1}, the record is ${r.length} characters`);
  }
  return problems;
}

/** Checks and compiles one year's declaration; throws a LayoutDeclarationError listing every problem. */
export function compileRsfLayout(decl: RsfLayoutDeclaration): RsfLayout {
  const problems = problemsOf(decl);
  if (problems.length > 0) throw new LayoutDeclarationError(problems);
  const records = new Map<string, RsfCompiledRecord>();
  for (const r of decl.records) {
    const fields = r.fields
      .filter((f) => !f.name.startsWith('filler') && f.name !== 'recordType')
      .map((f) => ({
        name: f.name,
        atih: f.atih,
        start: f.position - 1,
        length: f.length,
        kind: f.kind,
        mandatory: f.presence === 'O',
        scale: f.scale ?? 0,
      }));
    records.set(r.type, { type: r.type, name: r.name, length: r.length, fields });
  }
  return { year: decl.year, records, maxLength: Math.max(...decl.records.map((r) => r.length)) };
}

const compiled = new Map<number, RsfLayout>();

/** The years with a declared layout, oldest first. */
export function rsfLayoutYears(declarations: readonly RsfLayoutDeclaration[] = RSF_LAYOUTS): number[] {
  return declarations.map((d) => d.year).sort((a, b) => a - b);
}

/**
 * The layout for a file of `year`: that year's declaration, or the latest one before it (ATIH republishes the
 * formats every year, often unchanged), or the latest of all when no year is given. A year older than every
 * declaration is refused: an older layout is not guessed.
 */
export function rsfLayout(year?: number): RsfLayout {
  const years = rsfLayoutYears();
  const chosen = year === undefined ? years[years.length - 1] : [...years].reverse().find((y) => y <= year);
  if (chosen === undefined) throw new RangeError(`no RSF layout declared for ${year} or before (declared: ${years.join(', ')})`);
  let layout = compiled.get(chosen);
  if (layout === undefined) {
    const decl = RSF_LAYOUTS.find((d) => d.year === chosen);
    if (decl === undefined) throw new RangeError(`no RSF layout declared for ${chosen}`);
    layout = compileRsfLayout(decl);
    compiled.set(chosen, layout);
  }
  return layout;
}
