import { amoOrganismOf } from '../invoice-draft';
import type { InvoiceState } from '../invoice-state';
import type { StoredInvoice } from '../invoice.store';
import type { InvoiceOutcomeView } from '../returns/reconciliation.store';
import { buildClaim } from './claim.builder';
import { returnedParts } from './claim-response-returns';
import { FIDES_IDENTIFIERS, FIDES_PREFLIGHT } from './fides-fhir-definitions';
import { findingCoding } from './preflight-worklist.builder';

/** Where each state stands for the GAP: queued until the insurer's word, then complete, or error when held. */
const OUTCOME: Record<InvoiceState, 'queued' | 'complete' | 'error'> = {
  received: 'queued',
  'awaiting-rights': 'queued',
  'preflight-failed': 'error',
  ready: 'queued',
  'in-lot': 'queued',
  sent: 'queued',
  acknowledged: 'queued',
  'file-refused': 'queued',
  paid: 'complete',
  'partly-paid': 'complete',
  rejected: 'error',
  warned: 'complete',
};

/**
 * The ClaimResponse of an invoice: its outcome from the state; with the AMO's latest word on it (`returned`, from the
 * RSP), the reject code, the payment and the paid-vs-billed adjudication (claim-response-returns.ts).
 */
export function buildClaimResponse(inv: StoredInvoice, returned?: InvoiceOutcomeView): Record<string, unknown> {
  const claim = buildClaim(inv);
  const organism = amoOrganismOf(inv.draft.coverage);
  return {
    resourceType: 'ClaimResponse',
    id: inv.id,
    status: 'active',
    type: claim.type,
    use: 'claim',
    patient: claim.patient,
    created: inv.updatedAt.toISOString(),
    insurer: organism
      ? { identifier: { system: FIDES_IDENTIFIERS.amoOrganism, value: organism } }
      : { display: `AMO grand régime ${inv.draft.coverage.grandRegime ?? 'unknown'}` },
    request: { reference: `Claim/${inv.id}` },
    outcome: OUTCOME[inv.state],
    disposition: `Invoice ${inv.invoiceNumber}: ${inv.state}`,
    ...(returned ? returnedParts(inv, returned) : {}),
    ...(inv.state === 'preflight-failed' ? { error: preflightErrors(inv) } : {}),
  };
}

/** Why pre-flight holds the invoice: one error per finding of severity error — the rule code, and the field. */
function preflightErrors(inv: StoredInvoice): Record<string, unknown>[] | undefined {
  const errors = (inv.preflight ?? []).filter((f) => f.severity === 'error');
  return errors.length === 0
    ? undefined
    : errors.map((f) => {
        const sequence = itemSequenceOf(inv, f.field);
        return {
          extension: [{ url: FIDES_PREFLIGHT.errorExpression, valueString: f.field }],
          ...(sequence !== undefined ? { itemSequence: sequence } : {}),
          code: { coding: [findingCoding(f)], text: f.message },
        };
      });
}

/** The Claim item a finding on `lines[i]…` points at, when the invoice came as a Claim (its sourceRef names it). */
function itemSequenceOf(inv: StoredInvoice, field: string): number | undefined {
  const index = /^lines\[(\d+)\]/.exec(field)?.[1];
  const ref = index === undefined ? undefined : inv.draft.lines[Number(index)]?.sourceRef;
  const sequence = ref === undefined ? undefined : /^claim:item\/(\d+)$/.exec(ref)?.[1];
  return sequence === undefined ? undefined : Number(sequence);
}

export function searchset(resources: ReadonlyArray<Record<string, unknown>>): Record<string, unknown> {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: resources.length,
    entry: resources.length
      ? resources.map((r) => ({ fullUrl: `urn:uuid:${String(r.id)}`, resource: r, search: { mode: 'match' } }))
      : undefined,
  };
}
