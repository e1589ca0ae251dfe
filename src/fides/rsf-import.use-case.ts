import type { Principal } from '../access/roles';
import { GatewayError } from '../common/gateway-error';
import type { ReceiveInvoiceUseCase } from './receive-invoice.use-case';
import { readRsf, type RsfError, rsfInvoiceToDraft } from './rsf';

/** Problems listed in the answer; the counts stay exact beyond it. */
export const RSF_IMPORT_MAX_ERRORS = 200;

export interface RsfImportError {
  line: number;
  recordType?: string;
  field?: string;
  /** The invoice the problem belongs to (its A line), when there is one. */
  invoiceLine?: number;
  message: string;
}

export interface RsfImportResult {
  lines: number;
  read: number;
  accepted: number;
  refused: number;
  /** Of the accepted: invoices stored now, and invoices already stored with the same content (a re-import). */
  stored: number;
  alreadyReceived: number;
  errors: RsfImportError[];
  /** Problems beyond RSF_IMPORT_MAX_ERRORS. */
  moreErrors: number;
}

/**
 * An ATIH RSF month, streamed through readRsf: each accepted invoice is received like a Claim (FINESS scope,
 * idempotent number); a refused one, or one whose number is already used with other content or for an
 * establishment the caller does not bill for, is counted refused with errors naming line, record type and field.
 * One invoice's error never stops the others.
 */
export class RsfImportUseCase {
  constructor(private readonly intake: ReceiveInvoiceUseCase) {}

  async import(source: AsyncIterable<Buffer | string>, caller: Principal, year?: number): Promise<RsfImportResult> {
    const r: RsfImportResult = { lines: 0, read: 0, accepted: 0, refused: 0, stored: 0, alreadyReceived: 0, errors: [], moreErrors: 0 };
    const note = (e: RsfImportError) => (r.errors.length < RSF_IMPORT_MAX_ERRORS ? r.errors.push(e) : r.moreErrors++);
    const fromRsf = (e: RsfError, invoiceLine?: number) =>
      note({
        line: e.line,
        recordType: e.recordType,
        field: e.atih ? `${e.field ?? ''} (${e.atih})` : e.field,
        invoiceLine,
        message: e.message,
      });

    for await (const event of readRsf(source, { year })) {
      if (event.kind === 'fileError') {
        fromRsf(event.error);
        continue;
      }
      if (event.kind === 'end') {
        r.lines = event.counts.lines;
        continue;
      }
      const inv = event.invoice;
      r.read++;
      if (!inv.accepted) {
        r.refused++;
        inv.errors.forEach((e) => fromRsf(e, inv.line));
        r.moreErrors += inv.moreErrors;
        continue;
      }
      try {
        const { outcome } = await this.intake.receive(rsfInvoiceToDraft(inv), caller, 'rsf-import', {
          finess: 'geographicFiness (NOFINESSGEO)',
          number: 'invoiceNumber (NUMFACT)',
        });
        r.accepted++;
        if (outcome !== 'unchanged') r.stored++;
        else r.alreadyReceived++;
      } catch (err) {
        if (!(err instanceof GatewayError) || err.code === 'INTERNAL' || err.code === 'STORAGE_UNAVAILABLE') throw err;
        r.refused++;
        note({
          line: inv.line,
          recordType: 'A',
          field: err.field,
          invoiceLine: inv.line,
          message: `RSF line ${inv.line}, record A: ${err.message}`,
        });
      }
    }
    return r;
  }
}
