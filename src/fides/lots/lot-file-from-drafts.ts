/**
 * Drafts of one recipient → one B2 lot file: each draft is turned into its records (draft-to-b2.ts); those that
 * cannot be are refused with their problems (pre-flight errors) and left out; the others are written in lots
 * (lot-file-writer.ts, MODELLED envelope). Nothing is written when no draft can be.
 */
import type { Writable } from 'node:stream';
import type { B2Invoice } from '../b2';
import type { InvoiceDraft } from '../invoice-draft';
import type { B2InvoiceContext } from './b2-invoice-context';
import { draftToB2Invoice } from './draft-to-b2';
import { writeLotFile, type LotFileEnvelope, type LotFileOptions, type LotNumbering, type WrittenLot } from './lot-file-writer';
import type { LotRecipient, RefusedDraft } from './lot-recipient';

export interface LotFileResult {
  /** Empty when no draft could be written: then the stream was not written to (nor ended). */
  readonly lots: readonly WrittenLot[];
  readonly refused: readonly RefusedDraft[];
}

export async function writeDraftsLotFile(
  out: Writable,
  recipient: LotRecipient,
  drafts: readonly InvoiceDraft[],
  ctx: B2InvoiceContext,
  envelope: LotFileEnvelope,
  numbering: LotNumbering,
  options: LotFileOptions = {},
): Promise<LotFileResult> {
  const invoices: B2Invoice[] = [];
  const refused: RefusedDraft[] = [];
  for (const d of drafts) {
    const r = draftToB2Invoice(d, ctx, options.layouts);
    if (r.ok) invoices.push(r.invoice);
    else refused.push({ invoiceNumber: d.invoiceNumber, problems: r.problems });
  }
  if (invoices.length === 0) return { lots: [], refused };
  return { lots: await writeLotFile(out, recipient, envelope, invoices, numbering, options), refused };
}
