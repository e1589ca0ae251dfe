import type { FieldCipher } from '../persistence/field-cipher';
import type { InvoiceDraft } from './invoice-draft';
import { type InvoiceState, isInvoiceState } from './invoice-state';
import type { PreflightFinding } from './preflight';

/**
 * An invoice as the application sees it, and how a row of the `invoice` table becomes one: the columns every read
 * selects, the draft sealed with the FieldCipher (NIRs, birth dates, IPP) on the way in and opened on the way out.
 * The SQL itself is InvoiceStore's (invoice.store.ts).
 */

/** FieldCipher kind of the stored draft (NIRs, birth dates, IPP). */
const DRAFT_KIND = 'fides-invoice-draft';

export interface StoredInvoice {
  id: string;
  finess: string;
  invoiceNumber: string;
  version: number;
  source: InvoiceDraft['source'];
  contentHash: string;
  draft: InvoiceDraft;
  state: InvoiceState;
  submittedBy: string;
  receivedAt: Date;
  updatedAt: Date;
  /** Findings of the last pre-flight run of this version (none before it ran). */
  preflight?: readonly PreflightFinding[];
}

export interface InvoiceTransition {
  from: InvoiceState | null;
  to: InvoiceState;
  at: Date;
  cause: string;
  actor: string;
}

export interface NewInvoice {
  finess: string;
  invoiceNumber: string;
  draft: InvoiceDraft;
  contentHash: string;
  submittedBy: string;
  /** Why it was received (`fhir-claim`, `fhir-batch`, `rsf-import`): the first transition's cause. */
  cause: string;
}

/** An invoice taken by a pre-flight worker, with the CDRi check it waits for (if any). */
export interface LeasedInvoice extends StoredInvoice {
  rightsCheckId?: string;
  rightsAskedAt?: Date;
  /** Checks asked for this version so far: the next check's idempotency key counts on from it. */
  rightsAttempts: number;
}

/** The CDRi check an invoice waits for, written with its state. */
export interface AwaitedCheck {
  checkId: string;
  askedAt: Date;
  attempts: number;
}

export interface InvoiceRow {
  id: string;
  finess: string;
  invoice_number: string;
  version: number;
  source: string;
  content_hash: string;
  draft: string;
  state: string;
  submitted_by: string;
  received_at: Date;
  updated_at: Date;
  preflight: PreflightFinding[] | null;
}

export const INVOICE_COLUMNS =
  'id, finess, invoice_number, version, source, content_hash, draft, state, submitted_by, received_at, updated_at, preflight';

export type LeasedInvoiceRow = InvoiceRow & { rights_check_id: string | null; rights_asked_at: Date | null; rights_attempts: number };

/** Row ⇄ StoredInvoice, with the draft encrypted at rest when a FieldCipher is configured. */
export class InvoiceRowCodec {
  constructor(private readonly cipher?: FieldCipher) {}

  seal(draft: InvoiceDraft): string {
    const json = JSON.stringify(draft);
    return this.cipher ? this.cipher.encryptText(DRAFT_KIND, json) : json;
  }

  toInvoice(r: InvoiceRow): StoredInvoice {
    const json = this.cipher ? this.cipher.decryptText(DRAFT_KIND, r.draft) : r.draft;
    return {
      id: r.id,
      finess: r.finess,
      invoiceNumber: r.invoice_number,
      version: r.version,
      source: r.source === 'rsf' ? 'rsf' : 'fhir-claim',
      contentHash: r.content_hash,
      draft: JSON.parse(json) as InvoiceDraft,
      state: stateOf(r.state),
      submittedBy: r.submitted_by,
      receivedAt: r.received_at,
      updatedAt: r.updated_at,
      preflight: r.preflight ?? undefined,
    };
  }
}

export function stateOf(value: string): InvoiceState {
  if (!isInvoiceState(value)) throw new Error(`Unknown invoice state in the database: ${value}`);
  return value;
}
