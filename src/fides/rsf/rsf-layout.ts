/**
 * Checks an RSF layout declaration (rsf-layout-declaration.ts) and compiles it into what the record parser walks.
 * Like the B2 loader, a declaration that does not add up (gap, overlap, a record whose fields do not end at its
 * length, a date that is not 8 characters…) is refused with every problem listed at once, so that a year added by
 * the generator script is fixed in one pass.
 */
import { LayoutDeclarationError } from '../b2/layout-loader';
import type {
  RsfFieldDeclaration,
  RsfFieldKind,
  RsfLayoutDeclaration,
  RsfRecordDeclaration,
  RsfRecordType,
} from './rsf-layout-declaration';
import { RSF_LAYOUTS } from './layouts';

/** A declared field as the parser walks it: 0-based start, presence as a flag. */
export interface RsfCompiledField extends Pick<RsfFieldDeclaration, 'name' | 'atih' | 'length' | 'kind' | 'scale'> {
  readonly start: number;
  readonly mandatory: boolean;
}

/** Fields that carry a value only (fillers and the record type left out: nothing reads them). */
export interface RsfCompiledRecord extends Pick<RsfRecordDeclaration, 'type' | 'name' | 'length'> {
  readonly fields: readonly RsfCompiledField[];
}

export interface RsfLayout {
  /** The years its declaration was published for (a later file year read with it is beyond the last one). */
  readonly years: readonly number[];
  readonly records: ReadonlyMap<string, RsfCompiledRecord>;
  /** The longest declared record: lines longer than this are refused before any decoding. */
  readonly maxLength: number;
}

const KIND_SET: ReadonlySet<string> = new Set<RsfFieldKind>(['A', 'N', 'I', 'M', 'D']);
const TYPE_SET: ReadonlySet<string> = new Set<RsfRecordType>(['A', 'B', 'C', 'H', 'L', 'M', 'P']);
const NAME = /^[a-z][A-Za-z0-9]*$/;
const isPositiveInt = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 1;
const DATE_LENGTH = 8;
/** Above 15 digits a JS number is no longer exact: such I/M fields would have to be N. */
const MAX_DIGITS = 15;

function problemsOf(decl: RsfLayoutDeclaration): string[] {
  const problems: string[] = [];
  const span = decl.years.length > 1 ? `${decl.years[0]}-${decl.years[decl.years.length - 1]}` : String(decl.years[0]);
  if (decl.years.length === 0 || decl.years.some((y, i) => !Number.isInteger(y) || (i > 0 && y !== decl.years[i - 1] + 1))) {
    problems.push(`RSF layout ${decl.source}: years must be a non-empty list of consecutive years`);
  }
  const types = new Set<string>();
  for (const r of decl.records) {
    const at = `RSF ${span} record ${r.type}`;
    if (!TYPE_SET.has(r.type)) problems.push(`${at}: not a record type this reader maps (A, B, C, H, L, M, P)`);
    if (types.has(r.type)) problems.push(`${at}: declared twice`);
    if (!isPositiveInt(r.length)) problems.push(`${at}: length must be an integer ≥ 1`);
    types.add(r.type);
    const names = new Set<string>();
    let next = 1;
    for (const f of r.fields) {
      const where = `${at} field ${f.name}`;
      if (names.has(f.name)) problems.push(`${where}: name used twice`);
      if (typeof f.name !== 'string' || !NAME.test(f.name)) problems.push(`${where}: name must be camelCase letters and digits`);
      if (typeof f.atih !== 'string' || f.atih === '') problems.push(`${where}: the ATIH variable name is required`);
      if (!isPositiveInt(f.position) || !isPositiveInt(f.length)) problems.push(`${where}: position and length are integers ≥ 1`);
      if (f.presence !== 'O' && f.presence !== 'F') problems.push(`${where}: presence must be O or F`);
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
      .map(({ name, atih, length, kind, scale, position, presence }) => ({
        ...{ name, atih, length, kind, scale },
        start: position - 1,
        mandatory: presence === 'O',
      }));
    records.set(r.type, { type: r.type, name: r.name, length: r.length, fields });
  }
  return { years: decl.years, records, maxLength: Math.max(...decl.records.map((r) => r.length)) };
}

const compiled = new Map<RsfLayoutDeclaration, RsfLayout>();

/** Every declared year, oldest first. */
export function rsfLayoutYears(declarations: readonly RsfLayoutDeclaration[] = RSF_LAYOUTS): number[] {
  return declarations.flatMap((d) => d.years).sort((a, b) => a - b);
}

/**
 * The layout for a file of `year`: the declaration published for that year or, for a year after every declared one,
 * the latest (ATIH's layout has not changed since 2022; a changed one fails loudly on line lengths, and adding it is
 * one run of the generator). A year before every declaration is refused: an older layout is not guessed. No year:
 * the latest.
 */
export function rsfLayout(year?: number, declarations: readonly RsfLayoutDeclaration[] = RSF_LAYOUTS): RsfLayout {
  const sorted = [...declarations].sort((a, b) => a.years[0] - b.years[0]);
  const latest = sorted[sorted.length - 1];
  const decl =
    year === undefined || (latest !== undefined && year > latest.years[latest.years.length - 1])
      ? latest
      : sorted.find((d) => d.years.includes(year));
  if (decl === undefined) {
    throw new RangeError(`no RSF layout declared for ${String(year)} (declared: ${rsfLayoutYears(declarations).join(', ')})`);
  }
  let layout = compiled.get(decl);
  if (layout === undefined) {
    layout = compileRsfLayout(decl);
    compiled.set(decl, layout);
  }
  return layout;
}
