/**
 * The lines of an InvoiceDraft → the line records of its B2 invoice (3x, 4x), in the order the public records demand
 * [SFG FIDES ACE transcription, RG_MF610–626; checked again by ../b2/invoice-rules.ts]:
 *   3 → 3S → 3F… → 3H…   for a hospital service, with the LPP devices and UCD drugs billed under it;
 *   4 → 4S → 4B… | 4M…   for a fee, with its NABM biology acts (five per 4B) or the sessions of its CCAM act;
 * groups in the draft's order, but for the emergency packages, put in the order of RG_MF602.
 *
 * A draft lists its lines flat (RSF gives H, P, M and L records beside B and C), so each UCD/LPP line is attached to a
 * hospital-service line and each CCAM/biology line to a fee line: the first one with the same date of care that
 * has room, else the first with room (modelled: the records link a complement to the line above it, the sources do
 * not say which line that is). A type 4 carries biology or the sessions of one CCAM act, never both (RG_MF626:
 * the 4M of a type 4 differ only by date and sequence). A line that finds no parent is a problem, not dropped.
 */
import { b2FinessForm, emergencyPackageRank3, emergencyPackageRank4 } from '../b2';
import type { B2Record, B2Values } from '../b2';
import type { InvoiceDraft, InvoiceDraftLine } from '../invoice-draft';
import type { B2InvoiceContext, DraftProblem } from './b2-invoice-context';
import { biologySlotField, lineValues } from './draft-b2-fields';

/** Complements per parent line: 10 for 3F, 3H, 4B; 26 for 4M ([3F37], [3H37], [4B37], [4M37]). */
const MAX_SEQUENCE = { '3F': 10, '3H': 10, '4B': 10, '4M': 26 } as const;
const NABM_PER_4B = 5;

/** Identity fields every record repeats; `beneficiaryRank` only where the record declares it. */
export interface B2Identity {
  readonly partnerNumber: string;
  readonly insuredNir: string;
  readonly insuredNirKey: string;
  readonly beneficiaryRank: string | undefined;
  readonly invoiceNumber: string;
}

interface Group {
  readonly line: InvoiceDraftLine;
  readonly lpp: InvoiceDraftLine[];
  readonly ucd: InvoiceDraftLine[];
  readonly biology: InvoiceDraftLine[];
  readonly ccam: InvoiceDraftLine[];
}

/** The identity of the records that have no rank field (3F, 3H, 4S, 4B, 4M): the key must be absent, not undefined. */
const noRank = (id: B2Identity): B2Values => ({
  partnerNumber: id.partnerNumber,
  insuredNir: id.insuredNir,
  insuredNirKey: id.insuredNirKey,
  invoiceNumber: id.invoiceNumber,
});

/** Same CCAM act (code, activity, phase, modifiers…): only then may two lines share a type 4 as sessions. */
const sameAct = (a: InvoiceDraftLine, b: InvoiceDraftLine): boolean =>
  a.code === b.code && JSON.stringify({ ...a.ccam }) === JSON.stringify({ ...b.ccam });

function hasRoom(g: Group, kind: InvoiceDraftLine['kind'], line: InvoiceDraftLine): boolean {
  switch (kind) {
    case 'lpp':
      return g.lpp.length < MAX_SEQUENCE['3F'];
    case 'ucd':
      return g.ucd.length < MAX_SEQUENCE['3H'];
    case 'biology':
      return g.ccam.length === 0 && g.biology.length < MAX_SEQUENCE['4B'] * NABM_PER_4B;
    case 'ccam':
      return g.biology.length === 0 && g.ccam.length < MAX_SEQUENCE['4M'] && (g.ccam.length === 0 || sameAct(g.ccam[0], line));
    default:
      return false;
  }
}

/** Attaches complements to parents; returns the groups in draft order of their parent line. */
function groupLines(draft: InvoiceDraft, problems: DraftProblem[]): Group[] {
  const groups: Group[] = draft.lines
    .filter((l) => l.kind === 'hospital-service' || l.kind === 'fee')
    .map((line) => ({ line, lpp: [], ucd: [], biology: [], ccam: [] }));
  for (const line of draft.lines) {
    if (line.kind === 'hospital-service' || line.kind === 'fee') continue;
    const parentKind = line.kind === 'lpp' || line.kind === 'ucd' ? 'hospital-service' : 'fee';
    const candidates = groups.filter((g) => g.line.kind === parentKind && hasRoom(g, line.kind, line));
    const parent = candidates.find((g) => line.careDate !== undefined && g.line.careDate === line.careDate) ?? candidates[0];
    if (parent === undefined) {
      problems.push({
        code: 'FIDES-LINE-UNATTACHED',
        field: line.kind,
        sourceRef: line.sourceRef,
        message: `invoice ${draft.invoiceNumber}: ${line.kind} line ${line.sourceRef} has no ${parentKind} line with room to carry it`,
      });
      continue;
    }
    parent[line.kind].push(line);
  }
  return groups;
}

/**
 * RG_MF602: emergency packages in the order the rule gives, whatever the source's order. Only the groups that are
 * packages move, among the places packages hold; the others keep theirs. A night/holiday supplement (SSN/SSF) moves
 * with the SAS/SIM/SIC before it. The type-4 order applies only with a FUx package, as the rule says.
 */
function inPackageOrder(groups: readonly Group[]): Group[] {
  const out = [...groups];
  const sortSlots = (ranks: Map<Group, number>): void => {
    const slots: number[] = [];
    const ranked: { g: Group; rank: number; i: number }[] = [];
    groups.forEach((g, i) => {
      const rank = ranks.get(g);
      if (rank === undefined) return;
      slots.push(i);
      ranked.push({ g, rank, i });
    });
    ranked.sort((a, b) => a.rank - b.rank || a.i - b.i);
    slots.forEach((slot, k) => (out[slot] = ranked[k].g));
  };
  const code = (g: Group): string => g.line.code.trim();
  const ranks3 = new Map<Group, number>();
  for (const g of groups) {
    const rank = g.line.kind === 'hospital-service' ? emergencyPackageRank3(code(g)) : undefined;
    if (rank !== undefined) ranks3.set(g, rank);
  }
  sortSlots(ranks3);
  const fees = groups.filter((g) => g.line.kind === 'fee');
  if (fees.some((g) => /^FU.$/.test(code(g)))) {
    const ranks4 = new Map<Group, number>();
    let last: { code: string; rank: number } | undefined;
    for (const g of fees) {
      const c = code(g);
      if (c === 'SSN' || c === 'SSF') {
        if (last !== undefined && ['SAS', 'SIM', 'SIC'].includes(last.code)) ranks4.set(g, last.rank);
        continue;
      }
      const rank = emergencyPackageRank4(c);
      if (rank === undefined) continue;
      ranks4.set(g, rank);
      last = { code: c, rank };
    }
    sortSlots(ranks4);
  }
  return out;
}

const seq = (i: number): string => String(i + 1).padStart(2, '0');

/** The draft lines a line record was written from (in slot order for a 4B): to name the draft field of a problem. */
export type LineSources = Map<B2Record, readonly InvoiceDraftLine[]>;

/** A record written from draft lines, remembered with them. */
function from(sources: LineSources, lines: readonly InvoiceDraftLine[], r: B2Record): B2Record {
  sources.set(r, lines);
  return r;
}

/** Line records: the draft fields through the table (draft-b2-fields.ts), identity and establishment facts here. */
function hospitalRecords(draft: InvoiceDraft, id: B2Identity, ctx: B2InvoiceContext, g: Group, src: LineSources): B2Record[] {
  const l = g.line;
  const own = lineValues(l, draft);
  const out: B2Record[] = [
    // stayEndDate repeats the type 2 exitDate (stay.end, checked there).
    from(src, [l], { code: '3', values: { ...id, ...own, stayEndDate: draft.stay.end } }),
    // Always written: the 3F/3H must follow a 3S, and a salaried prescriber is named by the FINESS of attachment.
    {
      code: '3S',
      values: {
        ...id,
        prescriberNumber: b2FinessForm(draft.geographicFiness),
        prescriberSpecialty: ctx.prescriberSpecialty,
        prescriptionDate: own.stayStartDate,
        priorAgreementCode: ctx.priorAgreementCode,
      },
    },
  ];
  g.lpp.forEach((d, i) => out.push(from(src, [d], { code: '3F', values: { ...noRank(id), sequence: seq(i), ...lineValues(d, draft) } })));
  g.ucd.forEach((d, i) => out.push(from(src, [d], { code: '3H', values: { ...noRank(id), sequence: seq(i), ...lineValues(d, draft) } })));
  return out;
}

function feeRecords(draft: InvoiceDraft, id: B2Identity, ctx: B2InvoiceContext, g: Group, src: LineSources): B2Record[] {
  const out: B2Record[] = [
    from(src, [g.line], {
      code: '4',
      values: {
        ...id,
        ...lineValues(g.line, draft),
        // Hospital practitioners are salaried: the prescriber and the executant are named by the establishment.
        prescriberNumber: draft.geographicFiness,
        executantNumber: draft.geographicFiness,
      },
    }),
    { code: '4S', values: { ...noRank(id), priorAgreementCode: ctx.priorAgreementCode, activityDomain: ctx.activityDomain } },
  ];
  for (let r = 0; r * NABM_PER_4B < g.biology.length; r++) {
    let values: B2Values = { ...noRank(id), sequence: seq(r) };
    const acts = g.biology.slice(r * NABM_PER_4B, (r + 1) * NABM_PER_4B);
    acts.forEach((b, i) => {
      values = { ...values, ...lineValues(b, draft, (f) => biologySlotField(f, i + 1)) };
    });
    out.push(from(src, acts, { code: '4B', values }));
  }
  // Sessions of one act, sorted by date (RG_MF626).
  const sessions = [...g.ccam].sort((a, b) => (a.careDate ?? '').localeCompare(b.careDate ?? ''));
  sessions.forEach((c, i) =>
    out.push(from(src, [c], { code: '4M', values: { ...noRank(id), sequence: seq(i), ...lineValues(c, draft) } })),
  );
  return out;
}

/** The line records of the draft, type 3 groups and type 4 groups in the order of their parent lines. */
export function draftLineRecords(
  draft: InvoiceDraft,
  id: B2Identity,
  ctx: B2InvoiceContext,
  problems: DraftProblem[],
  sources: LineSources = new Map(),
): B2Record[] {
  const tooManyModifiers = draft.lines.find((l) => (l.ccam?.modifiers.length ?? 0) > 4);
  if (tooManyModifiers !== undefined)
    problems.push({
      code: 'FIDES-CCAM-MODIFIERS',
      field: '4M.modifier4',
      sourceRef: tooManyModifiers.sourceRef,
      message: `invoice ${draft.invoiceNumber}: CCAM line ${tooManyModifiers.sourceRef} has more than 4 modifiers`,
    });
  return inPackageOrder(groupLines(draft, problems)).flatMap((g) =>
    g.line.kind === 'hospital-service' ? hospitalRecords(draft, id, ctx, g, sources) : feeRecords(draft, id, ctx, g, sources),
  );
}
