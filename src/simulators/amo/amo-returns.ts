/**
 * The NOEMIE returns of the simulated AMO, rendered with the (MODELLED) declarations of
 * src/fides/b2/layouts/noemie-returns.layouts.ts through renderNoemieFile, which computes the 990 and 999:
 * - ARL: 000, one 100 (positive or negative with its reason), the 110 anomalies of a negative one;
 * - RSP: 000, then per billing FINESS géographique a 040, its invoices (200, with a 210 motive when rejected or
 *   warned), and one 220 payment grouping the invoices it pays under one reference.
 * The return header names the caisse (emitterRegime/emitterFund) and the FINESS juridique (recipientId).
 */
import { createHash } from 'node:crypto';
import { type B2Record, type B2Values, renderNoemieFile, toB2Text } from '../../fides/b2';
import { type ArlAnomaly, type LotRefParts, type LotSummary } from './amo-lot-reader';
import { type ArlReason, RETURN_NORM_VERSION } from './amo-return-codes';
import { type InvoiceSettlement } from './amo-payment-rules';

const yymmdd = (d: Date): string => d.toISOString().slice(2, 10).replace(/-/g, '');
const hhmm = (d: Date): string => d.toISOString().slice(11, 16).replace(':', '');

/** B2 text of at most `max` characters (wordings are ours, so cutting them loses nothing of the file's). */
function text(s: string | undefined, max: number): string | undefined {
  if (s === undefined) return undefined;
  const t = toB2Text(s) ?? '';
  return t === '' ? undefined : t.slice(0, max).trimEnd();
}

/** Identifier of a return file, unique per lot and kind, the same on every run (a duplicate has the same bytes). */
function returnFileId(kind: 'ARL' | 'RSP', lotRef: string): string {
  return kind[0] + createHash('sha256').update(lotRef).digest('hex').slice(0, 13).toUpperCase();
}

function header(kind: 'ARL' | 'RSP', lotRef: string, ids: LotRefParts, h: B2Values | undefined, now: Date): B2Values {
  return {
    fileKind: kind,
    emitterRegime: h?.grandRegime ?? ids.grandRegime,
    emitterFund: h?.managingFund ?? ids.managingFund,
    emitterCentre: h?.managingCentre,
    recipientId: h?.emitterId ?? ids.emitterId,
    returnFileId: returnFileId(kind, lotRef),
    creationDate: yymmdd(now),
    creationTime: hhmm(now),
    normVersion: RETURN_NORM_VERSION,
    testIndicator: h?.testIndicator ?? 'T',
  };
}

export interface ArlInput {
  readonly lotRef: string;
  readonly ids: LotRefParts;
  /** Header and counts of the file, when it could be read that far. */
  readonly summary?: LotSummary;
  /** Undefined: positive ARL. */
  readonly refusal?: { readonly reason: ArlReason; readonly anomalies: readonly ArlAnomaly[] };
  readonly receivedAt: Date;
  readonly now: Date;
}

export function renderArl(a: ArlInput): string {
  const h = a.summary?.header;
  const body: B2Record[] = [
    {
      code: '100',
      values: {
        fileNumber: h?.fileNumber ?? a.ids.fileNumber,
        fileEmitterId: h?.emitterId ?? a.ids.emitterId,
        fileDate: h?.creationDate ?? yymmdd(a.receivedAt),
        status: a.refusal ? 'N' : 'P',
        reasonCode: a.refusal?.reason.code,
        lotCount: a.summary?.lotCount ?? 0,
        invoiceCount: a.summary?.invoiceCount ?? 0,
        receivedDate: yymmdd(a.receivedAt),
      },
    },
    ...(a.refusal?.anomalies ?? []).map((x): B2Record => ({
      code: '110',
      values: {
        line: x.line,
        lotNumber: x.lotNumber,
        recordType: text(x.recordType, 4) ?? '?',
        fieldName: text(x.fieldName, 30),
        reasonCode: x.code,
        comment: text(x.comment, 60),
      },
    })),
  ];
  return renderNoemieFile(header('ARL', a.lotRef, a.ids, h, a.now), body);
}

/** One invoice of the file and how it was settled. */
export interface SettledInvoice {
  readonly lotNumber: string;
  readonly partnerNumber: string;
  /** Invoice number, insured NIR + key, rank: what the 200 repeats (the rest of the invoice is not kept). */
  readonly head: B2Values;
  readonly careDate?: string;
  readonly settlement: InvoiceSettlement;
}

export interface RspInput {
  readonly lotRef: string;
  readonly ids: LotRefParts;
  readonly header: B2Values;
  readonly invoices: readonly SettledInvoice[];
  readonly now: Date;
}

/** Payment reference of one partner's transfer in this RSP (20 characters at most, B2 text). */
export function paymentReference(ids: LotRefParts, index: number): string {
  return `VIR${ids.grandRegime}${ids.managingFund}${ids.fileNumber}${String(index + 1).padStart(3, '0')}`;
}

export function renderRsp(r: RspInput): string {
  const paymentDate = yymmdd(r.now);
  const partners = [...new Set(r.invoices.map((i) => i.partnerNumber))];
  const body: B2Record[] = [];
  partners.forEach((partnerNumber, index) => {
    const reference = paymentReference(r.ids, index);
    const mine = r.invoices.filter((i) => i.partnerNumber === partnerNumber);
    body.push({ code: '040', values: { partnerNumber } });
    let paid = 0;
    let count = 0;
    for (const inv of mine) {
      const s = inv.settlement;
      const pays = s.outcome !== 'R';
      if (pays) {
        paid += s.paidAmount;
        count++;
      }
      body.push({
        code: '200',
        values: {
          lotNumber: inv.lotNumber,
          invoiceNumber: inv.head.invoiceNumber,
          insuredNir: inv.head.insuredNir,
          insuredNirKey: inv.head.insuredNirKey,
          beneficiaryRank: inv.head.beneficiaryRank,
          outcome: s.outcome,
          billedAmount: s.billedAmount,
          paidAmount: pays ? s.paidAmount : undefined,
          paymentDate: pays ? paymentDate : undefined,
          paymentReference: pays ? reference : undefined,
          careDate: inv.careDate,
        },
      });
      if (s.outcome !== 'P') {
        body.push({
          code: '210',
          values: { anomalyCode: s.motive.code, dataConcerned: s.motive.data, comment: text(s.motive.wording, 60) },
        });
      }
    }
    if (count > 0) body.push({ code: '220', values: { paymentReference: reference, paymentDate, amount: paid, invoiceCount: count } });
  });
  return renderNoemieFile(header('RSP', r.lotRef, r.ids, r.header, r.now), body);
}
