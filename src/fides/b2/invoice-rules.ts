/**
 * Rules of the specification that can be checked on an invoice's records alone [public: SFG FIDES ACE, via the
 * transcription named in LAYOUTS.md]. Each returns violations with a stable code (the pre-flight rule table refers
 * to them), the record index in the invoice and the field, never a value.
 *
 * Not checked here, because the records do not say enough: RG_MF608 (the act exempted by the threshold rule comes
 * first among the acts that could be — needs the exemption reason per act), RG_MF630's grouping criteria (same
 * nature d'assurance and parcours de soins per invoice — decided when invoices are built), RG_MF639 (anonymous
 * invoices).
 */
import { toB2Date } from './b2-date';
import { type B2Invoice, type B2Record } from './b2-values';
import { invoiceTrailerTotals, type InvoiceTrailerTotals } from './invoice-totals';

export interface B2RuleViolation {
  /** Stable code: B2-… for structure, RG_MF… where the specification names the rule. */
  readonly code: string;
  readonly message: string;
  /** 0-based index of the record in the invoice. */
  readonly record?: number;
  readonly recordType?: string;
  readonly field?: string;
}

export type EstablishmentCategory = 'EPS' | 'ESPIC' | 'CP';

/** Maximum complements per parent line: 3F, 3H, 4B, 4H at 10; 4M at 26 ([3F37], [3H37], [4B37], [4H37], [4M37]). */
const MAX_SEQUENCE: Readonly<Record<string, number>> = { '3F': 10, '3H': 10, '4B': 10, '4H': 10, '4M': 26 };
const MAX_LINES = 999;
/** Fields every record of an invoice repeats (rank only on records that have one). */
const IDENTITY = ['partnerNumber', 'insuredNir', 'insuredNirKey', 'invoiceNumber', 'beneficiaryRank'] as const;

/** Where the date of care is, per line record (RG_MF606). */
const CARE_DATE_FIELD: Readonly<Record<string, string | undefined>> = { '4': 'careDate', '3': 'stayEndDate' };

const isLine = (code: string): boolean => code.startsWith('3') || code.startsWith('4');

/** Ordering and bracketing: type 2 … type 5, 1-999 lines, each complement after what it completes. */
export function checkInvoiceStructure(invoice: B2Invoice): B2RuleViolation[] {
  const out: B2RuleViolation[] = [];
  const recs = invoice.records;
  const v = (code: string, message: string, record?: number, field?: string): void => {
    out.push({ code, message, record, recordType: record !== undefined ? recs[record]?.code : undefined, field });
  };
  if (recs.length === 0 || recs[0].code !== '2') v('B2-INVOICE-START', 'an invoice starts with a type 2', 0);
  if (recs.length === 0 || recs[recs.length - 1].code !== '5') v('B2-INVOICE-END', 'an invoice ends with a type 5', recs.length - 1);
  const lines = recs.filter((r) => isLine(r.code)).length;
  if (lines < 1 || lines > MAX_LINES)
    v('B2-INVOICE-LINES', `an invoice has 1 to ${MAX_LINES} line records (3x, 4x); this one has ${lines}`);

  let parent: string | undefined; // '3' or '4' of the current line group
  let lastSequence: Record<string, number> = {};
  let lastSession: string | undefined;
  let first4M: B2Record | undefined;
  for (let i = 0; i < recs.length; i++) {
    const code = recs[i].code;
    const prev = i > 0 ? recs[i - 1].code : undefined;
    if ((code === '2' && i !== 0) || (code === '5' && i !== recs.length - 1)) v('B2-INVOICE-BRACKET', `type ${code} inside an invoice`, i);
    if (code === '2S' && prev !== '2') v('B2-ORDER-2S', 'a 2S follows the type 2 immediately', i);
    if (code === '3' || code === '4') {
      parent = code;
      lastSequence = {};
      lastSession = undefined;
      first4M = undefined;
    } else if (isLine(code) && parent !== code[0]) {
      v('B2-ORDER-GROUP', `a ${code} belongs after a type ${code[0]}`, i);
    }
    switch (code) {
      case '3S':
      case '4S':
        if (prev !== code[0]) v(`B2-ORDER-${code}`, `a ${code} follows its type ${code[0]} immediately`, i);
        break;
      case '3E':
        if (prev !== '3S' && prev !== '3') v('B2-ORDER-3E', 'a 3E follows the 3S (or the 3 when there is no 3S)', i);
        break;
      case '4E':
        if (prev !== '4S') v('B2-ORDER-4E', 'a 4E follows the 4S', i);
        break;
      case '3F':
      case '3H':
        if (prev === undefined || !['3S', '3E', '3F', '3H'].includes(prev)) v(`B2-ORDER-${code}`, `a ${code} follows a 3S or a 3E`, i);
        break;
      case '4B':
      case '4H':
      case '4M':
        if (prev === undefined || !['4S', '4E', '4B', '4H', '4M'].includes(prev))
          v(`B2-ORDER-${code}`, `a ${code} follows a 4S or a 4E`, i);
        break;
      default:
        break;
    }
    const max = MAX_SEQUENCE[code];
    if (max !== undefined) {
      const seq = Number(recs[i].values.sequence ?? 0);
      if (seq < 1 || seq > max) v('B2-SEQUENCE-RANGE', `a ${code} sequence runs from 01 to ${String(max).padStart(2, '0')}`, i, 'sequence');
      if (seq <= (lastSequence[code] ?? 0)) v('B2-SEQUENCE-ORDER', `${code} records are sorted by increasing sequence`, i, 'sequence');
      lastSequence[code] = seq;
    }
    if (code === '4M') {
      out.push(...checkModifiers(recs[i], i));
      // [DICO, Phase CCAM] the 4M of one act are the sessions of one phase: identical but for date and sequence.
      if (first4M === undefined) first4M = recs[i];
      else {
        const differing = differingField(first4M, recs[i], ['sessionDate', 'sequence']);
        if (differing !== undefined) v('B2-4M-SAME-ACT', '4M records of one act differ only by session date and sequence', i, differing);
      }
      const raw = recs[i].values.sessionDate;
      // Values as given to the writer may be ISO; as read they are AAMMJJ: compare in one form.
      const session = typeof raw === 'string' ? toB2Date(raw) : undefined;
      if (session !== undefined) {
        if (lastSession !== undefined && session < lastSession)
          v('B2-4M-SESSION-ORDER', '4M records are sorted by session date', i, 'sessionDate');
        lastSession = session;
      }
    }
  }
  out.push(...checkIdentity(invoice));
  return out;
}

/** The first field (other than `except`) whose value differs between two records of the same type. */
function differingField(a: B2Record, b: B2Record, except: readonly string[]): string | undefined {
  for (const k of new Set([...Object.keys(a.values), ...Object.keys(b.values)])) {
    if (!except.includes(k) && a.values[k] !== b.values[k]) return k;
  }
  return undefined;
}

/** [4M59-62] CCAM modifiers are filled from the first zone, without a gap. */
function checkModifiers(r: B2Record, index: number): B2RuleViolation[] {
  let gap = false;
  for (let n = 1; n <= 4; n++) {
    const m = r.values[`modifier${n}`];
    if (m === undefined) gap = true;
    else if (gap)
      return [
        {
          code: 'B2-4M-MODIFIERS',
          message: 'CCAM modifiers fill the zones from the first, without a gap',
          record: index,
          recordType: '4M',
          field: `modifier${n}`,
        },
      ];
  }
  return [];
}

/** Every record repeats the type 2's partner number, NIR + key, invoice number and (where it has one) rank. */
function checkIdentity(invoice: B2Invoice): B2RuleViolation[] {
  const out: B2RuleViolation[] = [];
  const head = invoice.records[0];
  if (head === undefined) return out;
  const invoiceNumber = head.values.invoiceNumber;
  if (typeof invoiceNumber === 'string' && /^0+$/.test(invoiceNumber)) {
    out.push({
      code: 'B2-INVOICE-NUMBER-ZERO',
      message: 'the invoice number is not zero',
      record: 0,
      recordType: head.code,
      field: 'invoiceNumber',
    });
  }
  invoice.records.forEach((r, i) => {
    if (i === 0) return;
    for (const f of IDENTITY) {
      if (!(f in r.values) && f === 'beneficiaryRank') continue;
      // Optional rank on 2 and 5 reads back absent when 000: compare as written.
      const a = head.values[f] ?? (f === 'beneficiaryRank' ? '000' : undefined);
      const b = r.values[f] ?? (f === 'beneficiaryRank' ? '000' : undefined);
      if (a !== b)
        out.push({ code: 'B2-INVOICE-IDENTITY', message: `${f} differs from the type 2's`, record: i, recordType: r.code, field: f });
    }
  });
  return out;
}

/** RG_MF633: the type 5 carries the count and the totals of the lines. */
export function checkInvoiceTotals(invoice: B2Invoice): B2RuleViolation[] {
  const recs = invoice.records;
  const last = recs.length - 1;
  const trailer = recs[last];
  if (trailer?.code !== '5') return [];
  const expected = invoiceTrailerTotals(recs);
  const out: B2RuleViolation[] = [];
  for (const [name, value] of Object.entries(expected) as [keyof InvoiceTrailerTotals, number][]) {
    const got = trailer.values[name] ?? 0;
    if (got !== value) {
      out.push({
        code: name === 'lineRecordCount' ? 'B2-TOTALS-COUNT' : 'B2-TOTALS-AMOUNT',
        message: `type 5 ${name} does not match its lines`,
        record: last,
        recordType: '5',
        field: name,
      });
    }
  }
  return out;
}

/**
 * The code a raw line has by its complement letter ('2S', '2B', '2C' at position 39 of a type 2; '3S', '3E' at 39
 * and '3F', '3H', '4S'… at 36), else its first character. Lets RG_MF603 see records that no declaration of ours describes.
 */
export function rawRecordCode(line: string): string {
  if (line[0] === '2' && /[A-Z]/.test(line[38] ?? '')) return `2${line[38]}`;
  // 3S/3E carry their letter at 39, 3F/3H and every 4x at 36 (a 4x has a letter field at 39 too).
  if (line[0] === '3' && /[A-Z]/.test(line[38] ?? '')) return `3${line[38]}`;
  if ((line[0] === '3' || line[0] === '4') && /[A-Z]/.test(line[35] ?? '')) return `${line[0]}${line[35]}`;
  return line[0] ?? '';
}

/** RG_MF603: invoices of public (EPS) and private non-profit (ESPIC) establishments carry no 2B or 2C record. */
export function checkForbiddenRecordTypes(recordCodes: readonly string[], establishment: EstablishmentCategory): B2RuleViolation[] {
  if (establishment === 'CP') return [];
  const out: B2RuleViolation[] = [];
  recordCodes.forEach((code, i) => {
    if (code === '2B' || code === '2C') {
      out.push({ code: 'RG_MF603', message: `type ${code} is forbidden for ${establishment} invoices`, record: i, recordType: code });
    }
  });
  return out;
}

/**
 * RG_MF606: the billing delay — from each date of care (type 4 careDate, type 3 stayEndDate) to the transmission —
 * is strictly under one year, unless the caisse asked for the invoice ([CP01]: `forced`). B2 dates carry no
 * century: care dates are read as 20AA (billing after 2099 is out of scope).
 */
export function checkBillingDelay(invoice: B2Invoice, transmissionDate: string, opts: { forced?: boolean } = {}): B2RuleViolation[] {
  if (opts.forced === true) return [];
  const sent = new Date(`${transmissionDate}T00:00:00Z`);
  if (Number.isNaN(sent.getTime())) throw new Error('checkBillingDelay: transmissionDate must be YYYY-MM-DD');
  const oneYearBefore = new Date(sent);
  oneYearBefore.setUTCFullYear(sent.getUTCFullYear() - 1);
  const out: B2RuleViolation[] = [];
  invoice.records.forEach((r, i) => {
    const field = CARE_DATE_FIELD[r.code];
    if (field === undefined) return;
    const raw = r.values[field];
    const d = typeof raw === 'string' ? toB2Date(raw) : undefined;
    if (d === undefined) return;
    const care = new Date(Date.UTC(2000 + Number(d.slice(0, 2)), Number(d.slice(2, 4)) - 1, Number(d.slice(4, 6))));
    if (care.getTime() <= oneYearBefore.getTime()) {
      out.push({
        code: 'RG_MF606',
        message: 'billing delay is one year or more (forcible only when the caisse asks)',
        record: i,
        recordType: r.code,
        field,
      });
    }
  });
  return out;
}

/**
 * RG_MF602, non-gynaecological emergency: with a FUx package, type-4 packages follow the order FUx; SUN/SUF;
 * SU2/SU3; PE1/PE2; SUM, SUB, SB2, SB3; SAS (+ SSN/SSF); SIM/SIC (+ SSN/SSF); FTx. In type 3: FPU/FPV/FPL/FPM/FPX,
 * then CFU, then FTx. Night/holiday supplements SSN/SSF follow the package they belong to (SAS, SIM or SIC).
 * The ranks are exported so that invoice building (lots/draft-line-records.ts) puts the lines in this order.
 */
export function emergencyPackageRank4(c: string): number | undefined {
  if (/^FU.$/.test(c)) return 1;
  if (c === 'SUN' || c === 'SUF') return 2;
  if (c === 'SU2' || c === 'SU3') return 3;
  if (c === 'PE1' || c === 'PE2') return 4;
  if (['SUM', 'SUB', 'SB2', 'SB3'].includes(c)) return 5;
  if (c === 'SAS') return 6;
  if (c === 'SIM' || c === 'SIC') return 7;
  if (/^FT.$/.test(c)) return 8;
  return undefined;
}

export function emergencyPackageRank3(c: string): number | undefined {
  if (['FPU', 'FPV', 'FPL', 'FPM', 'FPX'].includes(c)) return 1;
  if (c === 'CFU') return 2;
  if (/^FT.$/.test(c)) return 3;
  return undefined;
}

export function checkEmergencyPackageOrder(invoice: B2Invoice): B2RuleViolation[] {
  const out: B2RuleViolation[] = [];
  const code = (r: B2Record): string => (typeof r.values.actCode === 'string' ? r.values.actCode.trim() : '');
  const rank4 = emergencyPackageRank4;
  const rank3 = emergencyPackageRank3;
  const recs = invoice.records;
  if (recs.some((r) => r.code === '4' && /^FU.$/.test(code(r)))) {
    let last = 0;
    let lastPackage = '';
    recs.forEach((r, i) => {
      if (r.code !== '4') return;
      const c = code(r);
      if (c === 'SSN' || c === 'SSF') {
        if (!['SAS', 'SIM', 'SIC'].includes(lastPackage)) {
          out.push({
            code: 'RG_MF602',
            message: `${c} follows the SAS, SIM or SIC it belongs to`,
            record: i,
            recordType: '4',
            field: 'actCode',
          });
        }
        return;
      }
      const rank = rank4(c);
      if (rank === undefined) return;
      if (rank < last)
        out.push({ code: 'RG_MF602', message: `${c} is out of the emergency package order`, record: i, recordType: '4', field: 'actCode' });
      last = Math.max(last, rank);
      lastPackage = c;
    });
  }
  let last3 = 0;
  recs.forEach((r, i) => {
    if (r.code !== '3') return;
    const rank = rank3(code(r));
    if (rank === undefined) return;
    if (rank < last3)
      out.push({
        code: 'RG_MF602',
        message: `${code(r)} is out of the type-3 package order`,
        record: i,
        recordType: '3',
        field: 'actCode',
      });
    last3 = Math.max(last3, rank);
  });
  return out;
}

/** Every check that needs only the invoice (structure, totals, package order). */
export function checkInvoice(invoice: B2Invoice): B2RuleViolation[] {
  return [...checkInvoiceStructure(invoice), ...checkInvoiceTotals(invoice), ...checkEmergencyPackageOrder(invoice)];
}
