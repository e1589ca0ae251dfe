/**
 * Loads record-layout declarations (layout-declaration.ts): checks every declaration before anything is written or
 * read with it, and compiles it into the form the writer and the parser walk. A declaration that does not add up
 * (gaps, overlaps, a record not ending at 128, a constant of the wrong width, two records one cannot tell apart…)
 * is refused with every problem listed at once, so a replaced declaration is fixed in one pass.
 *
 * The input is `unknown` on purpose: a certified editor may hand over JSON as well as a typed TS const.
 */
import type {
  DerivedQuantity,
  EnvelopeRole,
  FieldDeclaration,
  FieldKind,
  InvoiceTotal,
  LayoutDeclaration,
  RecordDeclaration,
} from './layout-declaration';

export interface CompiledField {
  readonly name: string;
  /** Index in its record's fields. */
  readonly index: number;
  readonly id?: string;
  /** 0-based offset in the line. */
  readonly start: number;
  readonly length: number;
  readonly kind: FieldKind;
  readonly mandatory: boolean;
  readonly constant?: string;
  readonly code: boolean;
  readonly finess: boolean;
  readonly text: boolean;
  readonly derive?: DerivedQuantity;
  readonly total?: InvoiceTotal;
  /** What an empty value is written as (zeros or spaces). */
  readonly empty: string;
}

export interface CompiledRecord {
  readonly code: string;
  readonly name: string;
  readonly role?: EnvelopeRole;
  readonly layout: string;
  readonly status: 'public' | 'modelled';
  readonly fields: readonly CompiledField[];
  readonly byName: ReadonlyMap<string, CompiledField>;
  /** Fields tagged `total` (what a lot trailer sums). */
  readonly totals: readonly CompiledField[];
  /** Writer's scratch: which fields the values being written gave (see record-writer.ts). */
  readonly marks: Uint32Array;
  /** The record with every field empty (zeros or spaces) or at its constant: the writer's starting bytes. */
  readonly template: Uint8Array;
  /** Mandatory fields without a constant: the writer refuses a record that leaves one of them out. */
  readonly required: readonly CompiledField[];
  /** Constant fields that identify the record when reading. */
  readonly keys: readonly { start: number; value: string }[];
}

export interface LayoutSet {
  readonly recordLength: number;
  readonly records: ReadonlyMap<string, CompiledRecord>;
  /** Envelope records by the part they play (absent when no declaration gives one). */
  readonly roles: Readonly<Partial<Record<EnvelopeRole, CompiledRecord>>>;
  /** Most specific first (most key fields), for the parser. */
  readonly matchOrder: readonly CompiledRecord[];
}

export class LayoutDeclarationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`B2 layout declaration refused (${problems.length} problem${problems.length > 1 ? 's' : ''}):\n- ${problems.join('\n- ')}`);
    this.name = 'LayoutDeclarationError';
  }
}

const KINDS: readonly FieldKind[] = ['N', 'A', 'D', 'M'];
const DERIVED: readonly DerivedQuantity[] = [
  'lotNumber',
  'lotInvoiceCount',
  'lotRecordCount',
  'lotTotalBilled',
  'lotTotalAmo',
  'fileLotCount',
  'fileRecordCount',
  'fileInvoiceCount',
];
const ROLES: readonly EnvelopeRole[] = ['fileHeader', 'lotHeader', 'lotTrailer', 'fileTrailer'];
const TOTALS: readonly InvoiceTotal[] = ['billed', 'amo'];
const NAME = /^[a-z][A-Za-z0-9]*$/;
const ALNUM = /^[A-Z0-9 ]*$/;
/** Numbers above 15 digits are not exact in a JS number: such fields must be codes (digit strings). */
const MAX_NUMBER_DIGITS = 15;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPositiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1;

function checkField(f: unknown, where: string, problems: string[]): f is FieldDeclaration {
  if (!isObject(f)) {
    problems.push(`${where}: not an object`);
    return false;
  }
  const before = problems.length;
  const at = `${where} ${typeof f.name === 'string' ? f.name : '?'}`;
  if (typeof f.name !== 'string' || !NAME.test(f.name)) problems.push(`${where}: name must be camelCase letters and digits`);
  if (!isPositiveInt(f.position)) problems.push(`${at}: position must be an integer ≥ 1`);
  if (!isPositiveInt(f.length)) problems.push(`${at}: length must be an integer ≥ 1`);
  if (typeof f.kind !== 'string' || !KINDS.includes(f.kind as FieldKind)) problems.push(`${at}: kind must be one of ${KINDS.join(', ')}`);
  if (f.presence !== 'O' && f.presence !== 'F') problems.push(`${at}: presence must be O or F`);
  if (typeof f.meaning !== 'string' || f.meaning.trim() === '') problems.push(`${at}: meaning is required`);
  for (const k of ['id', 'source', 'note', 'constant'] as const) {
    if (f[k] !== undefined && typeof f[k] !== 'string') problems.push(`${at}: ${k} must be a string`);
  }
  for (const k of ['key', 'code', 'finess', 'text'] as const) {
    if (f[k] !== undefined && typeof f[k] !== 'boolean') problems.push(`${at}: ${k} must be true or false`);
  }
  if (problems.length > before) return false;
  const kind = f.kind as FieldKind;
  const length = f.length as number;
  if (kind === 'D' && length !== 6) problems.push(`${at}: a date (D) is AAMMJJ, 6 characters (got ${length})`);
  if (f.code === true && kind !== 'N') problems.push(`${at}: code applies to N fields only`);
  if (f.text === true && kind !== 'A') problems.push(`${at}: text applies to A fields only`);
  if (f.finess === true && kind !== 'N' && kind !== 'A') problems.push(`${at}: finess applies to N or A fields only`);
  if (f.finess === true && kind === 'N' && f.code !== true) problems.push(`${at}: a numeric FINESS field must be a code`);
  if (f.scale !== undefined && (kind !== 'N' || !Number.isInteger(f.scale) || (f.scale as number) < 1 || f.code === true)) {
    problems.push(`${at}: scale is a positive integer, on non-code N fields only`);
  }
  if ((kind === 'M' || (kind === 'N' && f.code !== true)) && length > MAX_NUMBER_DIGITS) {
    problems.push(`${at}: ${length} digits do not fit a number exactly; declare it a code`);
  }
  if (f.key === true && f.constant === undefined) problems.push(`${at}: a key field needs a constant`);
  if (f.derive !== undefined && !DERIVED.includes(f.derive as DerivedQuantity)) {
    problems.push(`${at}: derive must be one of ${DERIVED.join(', ')}`);
  }
  if (f.total !== undefined && (!TOTALS.includes(f.total as InvoiceTotal) || kind !== 'M')) {
    problems.push(`${at}: total is billed or amo, on M fields only`);
  }
  if (typeof f.constant === 'string') {
    const c = f.constant;
    if (c.length !== length) problems.push(`${at}: constant has ${c.length} characters, the field ${length}`);
    else if ((kind === 'N' || kind === 'M' || kind === 'D') && !/^\d+$/.test(c))
      problems.push(`${at}: constant of a ${kind} field must be digits`);
    else if (kind === 'A' && !ALNUM.test(c)) problems.push(`${at}: constant must be upper-case ASCII letters, digits or spaces`);
  }
  return problems.length === before;
}

function checkRecord(r: unknown, layoutName: string, recordLength: number, problems: string[]): r is RecordDeclaration {
  if (!isObject(r)) {
    problems.push(`${layoutName}: a record is not an object`);
    return false;
  }
  const before = problems.length;
  const rec = `${layoutName} record ${typeof r.code === 'string' ? r.code : '?'}`;
  if (typeof r.code !== 'string' || !/^[0-9A-Z]{1,4}$/.test(r.code)) problems.push(`${rec}: code must be 1-4 upper-case letters or digits`);
  if (typeof r.name !== 'string' || r.name.trim() === '') problems.push(`${rec}: name is required`);
  if (r.role !== undefined && !ROLES.includes(r.role as EnvelopeRole)) problems.push(`${rec}: role must be one of ${ROLES.join(', ')}`);
  if (!Array.isArray(r.fields) || r.fields.length === 0) {
    problems.push(`${rec}: fields must be a non-empty list`);
    return false;
  }
  const fields = r.fields as unknown[];
  const valid = fields.map((f, i) => checkField(f, `${rec} field #${i + 1}`, problems));
  if (!valid.every(Boolean)) return false;
  const fs = fields as FieldDeclaration[];
  const names = new Set<string>();
  let expected = 1;
  for (const f of fs) {
    if (names.has(f.name)) problems.push(`${rec}: field name ${f.name} used twice`);
    names.add(f.name);
    if (f.position > expected) problems.push(`${rec}: gap at positions ${expected}-${f.position - 1} before ${f.name}`);
    if (f.position < expected)
      problems.push(`${rec}: ${f.name} at ${f.position} overlaps the field before it (which ends at ${expected - 1})`);
    if (f.id !== undefined && /^[0-9A-Z]{2}\d{2,3}$/.test(f.id) && Number(f.id.slice(2)) !== f.position) {
      problems.push(`${rec}: ${f.name} has id ${f.id} but position ${f.position}`);
    }
    expected = f.position + f.length;
  }
  if (expected - 1 !== recordLength) problems.push(`${rec}: fields end at ${expected - 1}, the record is ${recordLength} characters`);
  if (!fs.some((f) => f.key === true)) problems.push(`${rec}: no key field (the parser could not recognise it)`);
  return problems.length === before;
}

function compileRecord(r: RecordDeclaration, layout: LayoutDeclaration): CompiledRecord {
  const fields = r.fields.map((f, index): CompiledField => {
    const zeros = f.kind !== 'A';
    return {
      name: f.name,
      index,
      id: f.id,
      start: f.position - 1,
      length: f.length,
      kind: f.kind,
      mandatory: f.presence === 'O',
      constant: f.constant,
      code: f.code === true,
      finess: f.finess === true,
      text: f.text === true,
      derive: f.derive,
      total: f.total,
      empty: (zeros ? '0' : ' ').repeat(f.length),
    };
  });
  return {
    code: r.code,
    name: r.name,
    role: r.role,
    layout: layout.name,
    status: layout.status,
    fields,
    byName: new Map(fields.map((f) => [f.name, f])),
    totals: fields.filter((f) => f.total !== undefined),
    marks: new Uint32Array(fields.length),
    template: Buffer.from(fields.map((f) => f.constant ?? f.empty).join(''), 'latin1'),
    required: fields.filter((f) => f.mandatory && f.constant === undefined),
    keys: fields
      .filter((f) => r.fields.find((d) => d.name === f.name)?.key === true)
      .map((f) => ({ start: f.start, value: f.constant ?? '' })),
  };
}

/**
 * Checks and compiles one or more declarations (invoice records and envelope) into one set. Throws a
 * LayoutDeclarationError listing every problem found.
 */
export function loadLayouts(declarations: readonly unknown[]): LayoutSet {
  const problems: string[] = [];
  const records = new Map<string, CompiledRecord>();
  let recordLength: number | undefined;
  for (const [i, d] of declarations.entries()) {
    if (!isObject(d)) {
      problems.push(`declaration #${i + 1}: not an object`);
      continue;
    }
    const name = typeof d.name === 'string' && d.name !== '' ? d.name : `declaration #${i + 1}`;
    const before = problems.length;
    if (typeof d.name !== 'string' || d.name === '') problems.push(`${name}: name is required`);
    if (d.status !== 'public' && d.status !== 'modelled') problems.push(`${name}: status must be public or modelled`);
    if (typeof d.source !== 'string' || d.source === '') problems.push(`${name}: source is required`);
    if (!isPositiveInt(d.recordLength)) problems.push(`${name}: recordLength must be an integer ≥ 1`);
    else if (recordLength !== undefined && d.recordLength !== recordLength) {
      problems.push(`${name}: recordLength ${d.recordLength} differs from ${recordLength} in another declaration`);
    } else recordLength = d.recordLength;
    if (!Array.isArray(d.records) || d.records.length === 0) problems.push(`${name}: records must be a non-empty list`);
    if (problems.length > before) continue;
    const decl = d as unknown as LayoutDeclaration;
    for (const r of decl.records as unknown[]) {
      if (!checkRecord(r, name, decl.recordLength, problems)) continue;
      if (records.has(r.code)) {
        problems.push(`${name} record ${r.code}: declared twice`);
        continue;
      }
      records.set(r.code, compileRecord(r, decl));
    }
  }
  // Two records whose keys are the same set of (position, value) cannot be told apart by the parser.
  const signatures = new Map<string, string>();
  for (const r of records.values()) {
    const sig = r.keys.map((k) => `${k.start}:${k.value}`).join('|');
    const other = signatures.get(sig);
    if (other !== undefined) problems.push(`records ${other} and ${r.code} have the same key fields: a reader cannot tell them apart`);
    signatures.set(sig, r.code);
  }
  const roles: Partial<Record<EnvelopeRole, CompiledRecord>> = {};
  for (const r of records.values()) {
    if (r.role === undefined) continue;
    if (roles[r.role] !== undefined) problems.push(`records ${roles[r.role]?.code} and ${r.code} both declare role ${r.role}`);
    roles[r.role] = r;
  }
  if (problems.length > 0) throw new LayoutDeclarationError(problems);
  const matchOrder = [...records.values()].sort((a, b) => b.keys.length - a.keys.length);
  return { recordLength: recordLength ?? 0, records, roles, matchOrder };
}
