/**
 * The pre-flight worklist for the billing office (issue 9 §2): one row per finding of each held invoice — invoice
 * number, FINESS, IPP, rule code, field, severity, message, held since — and its CSV form.
 *
 * No NIR and no name: the CSV leaves the gateway's protection (mailed, opened in a spreadsheet, left on a shared
 * drive), and the NIR is the identifier whose leak costs most (its use is restricted by law). The billing office
 * finds the patient from the IPP and the invoice number in the GAP, where access is controlled and traced.
 */
import { toCsv } from './csv-writer';
import type { PreflightFinding } from './preflight-rule';

export interface HeldInvoice {
  readonly invoiceNumber: string;
  readonly finess: string;
  /** The hospital's patient id, when the source gave one. */
  readonly ipp?: string;
  readonly version: number;
  /** When the invoice entered the held state. */
  readonly since: Date;
  readonly findings: readonly PreflightFinding[];
}

export interface WorklistRow {
  readonly invoiceNumber: string;
  readonly version: number;
  readonly finess: string;
  readonly ipp: string;
  readonly code: string;
  readonly field: string;
  readonly severity: string;
  readonly message: string;
  readonly since: string;
}

export const WORKLIST_COLUMNS = [
  'invoice_number',
  'version',
  'finess',
  'ipp',
  'rule',
  'field',
  'severity',
  'message',
  'held_since',
] as const;

/**
 * Rows oldest first (the invoice waiting longest costs most cash), then by FINESS and invoice number, each invoice's
 * findings in pre-flight order. Warnings ride along: the person correcting the invoice fixes them in the same pass.
 */
export function worklistRows(held: readonly HeldInvoice[]): WorklistRow[] {
  const sorted = [...held].sort(
    (a, b) =>
      a.since.getTime() - b.since.getTime() ||
      a.finess.localeCompare(b.finess) ||
      a.invoiceNumber.localeCompare(b.invoiceNumber) ||
      a.version - b.version,
  );
  return sorted.flatMap((h) =>
    h.findings.map((f) => ({
      invoiceNumber: h.invoiceNumber,
      version: h.version,
      finess: h.finess,
      ipp: h.ipp ?? '',
      code: f.code,
      field: f.field,
      severity: f.severity,
      message: f.message,
      since: h.since.toISOString(),
    })),
  );
}

/** UTF-8 with a byte-order mark: without it a spreadsheet reads "régime" as Windows-1252 mojibake. */
export function worklistCsv(held: readonly HeldInvoice[]): string {
  const rows = worklistRows(held).map((r) => [
    r.invoiceNumber,
    String(r.version),
    r.finess,
    r.ipp,
    r.code,
    r.field,
    r.severity,
    r.message,
    r.since,
  ]);
  return '\uFEFF' + toCsv(WORKLIST_COLUMNS, rows);
}
