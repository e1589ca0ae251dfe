/**
 * Test-only: the establishment context, envelope and RSF sample drafts shared by the lot specs. The organism
 * (caisse 751, centre 0001) is what intake would take from the CDRi answer: RSF does not carry it.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { InvoiceDraft } from '../invoice-draft';
import { readRsf } from '../rsf/rsf-reader';
import { rsfInvoiceToDraft } from '../rsf/rsf-to-invoice-draft';
import type { B2InvoiceContext } from './b2-invoice-context';
import type { LotFileEnvelope } from './lot-file-writer';

export const TEST_CONTEXT: B2InvoiceContext = {
  rightsProofNature: '1',
  exitHour: '12',
  priorAgreementCode: '0',
  prescriberSpecialty: '00',
  activityDomain: 'C',
};

export const TEST_ENVELOPE: LotFileEnvelope = {
  emitterId: '990000028',
  fileNumber: '000001',
  creationDate: '2026-12-01',
  creationTime: '0730',
  normVersion: 'B22005E',
  testIndicator: 'T',
  softwareId: 'PASSERELLE',
};

/** The RSF sample month in the source tree (the compiled tree has no copy: scripts/fides-fixtures.ts passes its own). */
export const RSF_SAMPLE_MONTH = join(__dirname, '../rsf/samples/sample-month.rsf');

/** The two invoices of ../rsf/samples/sample-month.rsf (a stay, then an ACE), routed to caisse 751 centre 0001. */
export async function rsfSampleDrafts(sample = RSF_SAMPLE_MONTH): Promise<InvoiceDraft[]> {
  const drafts: InvoiceDraft[] = [];
  for await (const e of readRsf(createReadStream(sample), { year: 2026 })) {
    if (e.kind === 'invoice') {
      const d = rsfInvoiceToDraft(e.invoice);
      drafts.push({ ...d, coverage: { ...d.coverage, managingFund: '751', managingCentre: '0001' } });
    } else if (e.kind !== 'end') throw new Error(e.error.message);
  }
  return drafts;
}

/** A Writable that gathers what is written, as latin1 text once finished. */
export function collect(): { out: PassThrough; text: () => string } {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  return { out, text: () => Buffer.concat(chunks).toString('latin1') };
}
