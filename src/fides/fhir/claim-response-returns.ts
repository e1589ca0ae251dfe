import type { StoredInvoice } from '../invoice.store';
import type { InvoiceOutcomeView } from '../returns/reconciliation.store';
import { rejectActionOf } from '../returns/reject-actions';
import { HL7, money, RETURNS_EXTENSIONS, RETURNS_SYSTEMS } from './returns-fhir-definitions';

/**
 * What the RSP adds to an invoice's ClaimResponse: `error[]` with the reject code and the caisse's wording; `payment`
 * (date, amount, transfer reference) when paid; `total` adjudicating what was billed to the AMO (submitted) against
 * what it paid (benefit), with the amount-mismatch flag; warnings (signalements) as process notes.
 * Motive codes and wordings only: a motive's data fields may repeat a value of the invoice (a NIR).
 */
export function returnedParts(inv: StoredInvoice, o: InvoiceOutcomeView): Record<string, unknown> {
  const rejected = o.outcome === 'rejected';
  const fallback = [{ code: o.rejectCode ?? 'UNSPECIFIED', wording: o.rejectWording }];
  const reasons = o.motives.length ? o.motives : fallback;
  const codes = rejected ? reasons : [];
  const notes = o.outcome === 'warned' ? o.motives : [];
  return {
    ...(o.amountMismatch ? { extension: [{ url: RETURNS_EXTENSIONS.amountMismatch, valueBoolean: true }] } : {}),
    disposition: disposition(inv, o),
    ...(codes.length
      ? {
          error: codes.map((m) => ({
            code: {
              coding: [{ system: RETURNS_SYSTEMS.rejectCode, code: m.code, display: rejectActionOf(m.code).label }],
              ...(m.wording ? { text: m.wording } : {}),
            },
          })),
        }
      : {}),
    total: [
      { category: { coding: [{ system: HL7.adjudication, code: 'submitted' }] }, amount: money(o.billedCents) },
      { category: { coding: [{ system: HL7.adjudication, code: 'benefit' }] }, amount: money(o.paidCents) },
    ],
    ...(!rejected && o.paymentDate
      ? {
          payment: {
            type: { coding: [{ system: HL7.exPaymentType, code: 'complete' }] },
            date: o.paymentDate,
            amount: money(o.paidCents),
            ...(o.paymentReference ? { identifier: { system: RETURNS_SYSTEMS.paymentReference, value: o.paymentReference } } : {}),
          },
        }
      : {}),
    ...(notes.length
      ? { processNote: notes.map((m, i) => ({ number: i + 1, type: 'display', text: `${m.code}${m.wording ? `: ${m.wording}` : ''}` })) }
      : {}),
  };
}

function disposition(inv: StoredInvoice, o: InvoiceOutcomeView): string {
  const eur = (c: number): string => (c / 100).toFixed(2);
  const head = `Invoice ${inv.invoiceNumber}: ${inv.state}`;
  if (o.outcome === 'rejected') return `${head} by the AMO (${o.rejectCode ?? 'no code'}). ${rejectActionOf(o.rejectCode).action}`;
  const paid = `paid ${eur(o.paidCents)} EUR of ${eur(o.billedCents)} EUR billed to the AMO`;
  return o.amountMismatch ? `${head}, ${paid}: the amounts differ` : `${head}, ${paid}`;
}
