/**
 * The rejects worklist (issue 9 §4): invoices the AMO rejected and that were not sent again, grouped by reject code
 * with the count and the amount at stake (billed to the AMO, not paid), each invoice linking its Claim and each group
 * saying what to do (reject-actions.ts, modelled). As a FHIR List whose entries are the groups — contained Lists of
 * their invoices — and as CSV for the billing office (one row per invoice, the group's figures repeated).
 *
 * No NIR and no name, in either form: the billing office finds the patient from the invoice number in the GAP.
 */
import { toCsv } from '../preflight/csv-writer';
import type { RejectRow } from '../returns/reconciliation.store';
import { rejectActionOf } from '../returns/reject-actions';
import { money, RETURNS_EXTENSIONS, RETURNS_SYSTEMS } from './returns-fhir-definitions';

export interface RejectGroup {
  code: string;
  label: string;
  action: string;
  count: number;
  amountCents: number;
  rows: RejectRow[];
}

const NO_CODE = 'UNSPECIFIED';

/** Groups by code, the costliest first (amount at stake), then by code. */
export function groupRejects(rows: readonly RejectRow[]): RejectGroup[] {
  const groups = new Map<string, RejectGroup>();
  for (const r of rows) {
    const code = r.rejectCode ?? NO_CODE;
    let g = groups.get(code);
    if (!g) {
      const a = rejectActionOf(r.rejectCode);
      g = { code, label: a.label, action: a.action, count: 0, amountCents: 0, rows: [] };
      groups.set(code, g);
    }
    g.count++;
    g.amountCents += r.billedCents;
    g.rows.push(r);
  }
  return [...groups.values()].sort((a, b) => b.amountCents - a.amountCents || a.code.localeCompare(b.code));
}

export function buildRejectsWorklist(rows: readonly RejectRow[], now: Date): Record<string, unknown> {
  const groups = groupRejects(rows);
  const total = groups.reduce((n, g) => n + g.amountCents, 0);
  return {
    resourceType: 'List',
    status: 'current',
    mode: 'working',
    title: 'Invoices rejected by the AMO, by reject code',
    code: { coding: [{ system: RETURNS_SYSTEMS.worklist, code: 'rejects' }] },
    date: now.toISOString(),
    extension: [
      { url: RETURNS_EXTENSIONS.rejectCount, valueUnsignedInt: rows.length },
      { url: RETURNS_EXTENSIONS.amountAtStake, valueMoney: money(total) },
    ],
    ...(groups.length
      ? {
          contained: groups.map(groupList),
          entry: groups.map((g) => ({
            flag: { coding: [{ system: RETURNS_SYSTEMS.rejectCode, code: g.code, display: g.label }] },
            item: {
              reference: `#${groupId(g.code)}`,
              display: `${g.code}: ${g.count} invoice(s), ${(g.amountCents / 100).toFixed(2)} EUR at stake`,
            },
          })),
        }
      : {
          emptyReason: {
            coding: [{ system: 'http://terminology.hl7.org/CodeSystem/list-empty-reason', code: 'nilknown', display: 'Nil Known' }],
            text: 'No invoice is waiting on a reject',
          },
        }),
  };
}

function groupId(code: string): string {
  return `reject-${code.replace(/[^A-Za-z0-9]/g, '-').slice(0, 50)}`;
}

function groupList(g: RejectGroup): Record<string, unknown> {
  return {
    resourceType: 'List',
    id: groupId(g.code),
    status: 'current',
    mode: 'working',
    title: `${g.code} — ${g.label}`,
    code: { coding: [{ system: RETURNS_SYSTEMS.rejectCode, code: g.code, display: g.label }] },
    extension: [
      { url: RETURNS_EXTENSIONS.rejectCount, valueUnsignedInt: g.count },
      { url: RETURNS_EXTENSIONS.amountAtStake, valueMoney: money(g.amountCents) },
      { url: RETURNS_EXTENSIONS.rejectAction, valueString: g.action },
    ],
    note: [{ text: `What to do: ${g.action}` }],
    entry: g.rows.map((r) => ({
      date: r.rejectedAt.toISOString(),
      item: {
        reference: `Claim/${r.invoiceId}`,
        display: `Invoice ${r.invoiceNumber} (FINESS ${r.finess}, lot ${r.lotRef}): ${(r.billedCents / 100).toFixed(2)} EUR${r.rejectWording ? ` — ${r.rejectWording}` : ''}`,
      },
    })),
  };
}

export const REJECTS_CSV_COLUMNS = [
  'reject_code',
  'motive',
  'what_to_do',
  'group_count',
  'group_amount_eur',
  'invoice_number',
  'finess',
  'lot',
  'amount_eur',
  'caisse_wording',
  'rejected_at',
  'claim',
] as const;

/** UTF-8 with a byte-order mark, `;`-separated (csv-writer.ts): what a French spreadsheet opens as is. */
export function rejectsCsv(rows: readonly RejectRow[]): string {
  const out = groupRejects(rows).flatMap((g) =>
    g.rows.map((r) => [
      g.code,
      g.label,
      g.action,
      String(g.count),
      (g.amountCents / 100).toFixed(2),
      r.invoiceNumber,
      r.finess,
      r.lotRef,
      (r.billedCents / 100).toFixed(2),
      r.rejectWording ?? '',
      r.rejectedAt.toISOString(),
      `Claim/${r.invoiceId}`,
    ]),
  );
  return '\uFEFF' + toCsv(REJECTS_CSV_COLUMNS, out);
}
