import { coversFiness, type Principal } from '../access/roles';
import { GatewayError } from '../common/gateway-error';
import { normaliseInvoiceNumber } from './fhir/claim.parser';
import { invoiceContentHash } from './invoice-content-hash';
import type { InvoiceDraft } from './invoice-draft';
import type { InvoiceStorePort, StoredInvoice } from './invoice.store';

export interface Received {
  invoice: StoredInvoice;
  /**
   * 'created': stored now; 'unchanged': the same invoice was already stored (idempotent resend); 'new-version': a
   * correction of a held invoice, stored as its next version and back in `received`.
   */
  outcome: 'created' | 'unchanged' | 'new-version';
}

/**
 * Intake of one invoice draft, from a Claim or an RSF import: FINESS-scoped to the caller, idempotent on the
 * invoice number (per FINESS) and the content hash. A number reused with other content is a new version when the
 * stored invoice is held by pre-flight (the correction of issue 9 §2), a 409 naming the identifier otherwise (an
 * invoice on its way to the insurer cannot change under it).
 */
export class ReceiveInvoiceUseCase {
  constructor(
    private readonly store: InvoiceStorePort,
    /** Told after something was stored (pre-flight runs at once instead of at its next tick). */
    private readonly onStored: () => void = () => undefined,
  ) {}

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
    const incoming = {
      finess: draft.geographicFiness,
      invoiceNumber: draft.invoiceNumber,
      draft,
      contentHash,
      submittedBy: caller.clientId,
      cause,
    };
    const { invoice, created } = await this.store.receive(incoming);
    if (created) {
      this.onStored();
      return { invoice, outcome: 'created' };
    }
    if (invoice.contentHash === contentHash) return { invoice, outcome: 'unchanged' };
    if (invoice.state === 'preflight-failed') {
      const next = await this.store.newVersion(invoice.id, invoice.contentHash, incoming);
      if (next) {
        this.onStored();
        return { invoice: next, outcome: 'new-version' };
      }
      // Replaced by a concurrent correction (or moved on) meanwhile: the same content is then a resend.
      const now = await this.store.get(invoice.id);
      if (now?.contentHash === contentHash) return { invoice: now, outcome: 'unchanged' };
    }
    throw new GatewayError(
      'CONFLICT',
      `Invoice number ${draft.invoiceNumber} is already used for FINESS ${draft.geographicFiness} with other content; ` +
        'a new version is accepted only while the invoice is held by pre-flight',
      where.number,
    );
  }
}
