import type { PaymentView } from '../returns/reconciliation.store';
import { FIDES_IDENTIFIERS } from './fides-fhir-definitions';
import { HL7, money, RETURNS_SYSTEMS } from './returns-fhir-definitions';

/**
 * A transfer announced by an RSP (220) as a FHIR R4 PaymentReconciliation: its reference, date and amount, who paid
 * (the caisse), and one detail per invoice it pays, linking the Claim and its ClaimResponse.
 */
export function buildPaymentReconciliation(p: PaymentView): Record<string, unknown> {
  const paid = p.details.reduce((n, d) => n + d.paidCents, 0);
  return {
    resourceType: 'PaymentReconciliation',
    id: p.id,
    identifier: [{ system: RETURNS_SYSTEMS.paymentReference, value: p.reference }],
    status: 'active',
    created: p.createdAt.toISOString(),
    paymentIssuer: { identifier: { system: FIDES_IDENTIFIERS.amoOrganism, value: p.caisse }, display: `AMO caisse ${p.caisse}` },
    requestor: { identifier: { system: 'https://finess.esante.gouv.fr', value: p.finess } },
    outcome: paid === p.amountCents ? 'complete' : 'partial',
    disposition: `Transfer ${p.reference} for lot ${p.lotRef}: ${p.invoiceCount} invoice(s)`,
    paymentDate: p.date,
    paymentAmount: money(p.amountCents),
    paymentIdentifier: { system: RETURNS_SYSTEMS.paymentReference, value: p.reference },
    ...(p.details.length
      ? {
          detail: p.details.map((d) => ({
            identifier: { system: FIDES_IDENTIFIERS.invoiceNumber, value: d.invoiceNumber },
            type: { coding: [{ system: HL7.paymentType, code: 'payment' }] },
            request: { reference: `Claim/${d.invoiceId}` },
            response: { reference: `ClaimResponse/${d.invoiceId}` },
            ...(d.date ? { date: d.date } : {}),
            amount: money(d.paidCents),
          })),
        }
      : {}),
  };
}
