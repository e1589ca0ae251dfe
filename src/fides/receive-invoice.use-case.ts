import { coversFiness, type Principal } from '../access/roles';
import { GatewayError } from '../common/gateway-error';
import { normaliseInvoiceNumber } from './fhir/claim.parser';
import { invoiceContentHash } from './invoice-content-hash';
import type { InvoiceDraft } from './invoice-draft';
import type { InvoiceStorePort, StoredInvoice } from './invoice.store';

export interface Received {
  invoice: StoredInvoice;
  /** 'created': stored now; 'unchanged': the same invoice was already stored (idempotent resend). */
  outcome: 'created' | 'unchanged';
}

/**
 * Intake of one invoice draft, from a Claim or an RSF import: FINESS-scoped to the caller, idempotent on the
 * invoice number (per FINESS) and the content hash. A number reused with other content is a 409 naming the
 * identifier: corrected invoices come back as a declared new version, which is not built yet (issue 9 §2).
 */
export class ReceiveInvoiceUseCase {
  constructor(private readonly store: InvoiceStorePort) {}

  async receive(
    draft: InvoiceDraft,
    caller: Principal,
    cause: string,
    where = { finess: 'Claim.provider', number: 'Claim.identifier' },
  ): Promise<Received> {
    if (!coversFiness(caller, draft.geographicFiness))
      throw new GatewayError('FORBIDDEN', `Client ${caller.clientId} may not bill for FINESS ${draft.geographicFiness}`, where.finess);
    // RSF numbers arrive as the file wrote them: the same rule as a Claim's (1–9 digits, non-zero).
    if (normaliseInvoiceNumber(draft.invoiceNumber, where.number) !== draft.invoiceNumber)
      throw new GatewayError('INVALID_INPUT', 'Invoice number must be written with 9 digits', where.number);
    const contentHash = invoiceContentHash(draft);
    const { invoice, created } = await this.store.receive({
      finess: draft.geographicFiness,
      invoiceNumber: draft.invoiceNumber,
      draft,
      contentHash,
      submittedBy: caller.clientId,
      cause,
    });
    if (created) return { invoice, outcome: 'created' };
    if (invoice.contentHash === contentHash) return { invoice, outcome: 'unchanged' };
    throw new GatewayError(
      'CONFLICT',
      `Invoice number ${draft.invoiceNumber} is already used for FINESS ${draft.geographicFiness} with other content (new versions are not accepted yet)`,
      where.number,
    );
  }
}
