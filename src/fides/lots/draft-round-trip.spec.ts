/**
 * Property: drafts → B2 invoices → lot files (one per grand régime + caisse, lots cut at a maximum) → parsed → the
 * same invoices (b2-invoice-projection.ts says what "the same" keeps), over seeded generated drafts; lot numbers
 * are the caller's sequence, consecutive, each asked once; envelope counts and totals check.
 */
import { checkEnvelope, readB2File } from '../b2';
import type { B2Invoice } from '../b2';
import { isValidFiness, validateNir } from '../../identifiers';
import type { InvoiceDraft } from '../invoice-draft';
import { projectDraft } from './b2-invoice-projection';
import { b2InvoiceToProjection } from './b2-to-draft';
import { DraftGenerator } from './draft-generator.test-support';
import { draftToB2Invoice } from './draft-to-b2';
import { writeLotFile } from './lot-file-writer';
import { groupByRecipient } from './lot-recipient';
import { collect, TEST_CONTEXT, TEST_ENVELOPE } from './lots.test-support';

function toInvoice(d: InvoiceDraft): B2Invoice {
  const r = draftToB2Invoice(d, TEST_CONTEXT);
  if (!r.ok) throw new Error(r.problems.map((p) => p.message).join('\n'));
  return r.invoice;
}

describe('drafts → B2 lot files → parse (property)', () => {
  it.each([1, 2, 3, 4, 5])('seed %i: every invoice comes back the same, in lots of at most the maximum', async (seed) => {
    const gen = new DraftGenerator(seed);
    const drafts = Array.from({ length: 60 }, () => gen.draft());
    // The generator's identifiers are valid, so a failure here is the mapping's, not the data's.
    for (const d of drafts) {
      expect(validateNir(d.patient.insuredNir + d.patient.insuredNirKey)).toEqual({ ok: true });
      if (!d.geographicFiness.startsWith('2A') && !d.geographicFiness.startsWith('2B'))
        expect(isValidFiness(d.geographicFiness)).toBe(true);
    }
    const { groups, unrouted } = groupByRecipient(drafts);
    expect(unrouted).toEqual([]);
    const max = 1 + (seed % 4) * 3;
    let next = 100 * seed;
    const asked: string[] = [];
    const back = new Map<string, unknown>();
    for (const { recipient, drafts: mine } of groups) {
      const { out, text } = collect();
      const lots = await writeLotFile(out, recipient, TEST_ENVELOPE, mine.map(toInvoice), {
        maxInvoicesPerLot: max,
        nextLotNumber: () => {
          const n = String(++next);
          asked.push(n);
          return n;
        },
      });
      const reading = readB2File(text());
      expect(checkEnvelope(reading)).toEqual([]);
      expect(reading.header.values).toMatchObject({ grandRegime: recipient.grandRegime, managingFund: recipient.managingFund });
      expect(reading.lots.map((l) => l.header.values.lotNumber)).toEqual(lots.map((l) => l.lotNumber));
      for (const lot of reading.lots) {
        expect(lot.invoices.length).toBeLessThanOrEqual(max);
        for (const inv of lot.invoices) {
          expect(inv.records[0].values).toMatchObject({ grandRegime: recipient.grandRegime, managingFund: recipient.managingFund });
          expect(inv.records[0].values.partnerNumber).toBe(lot.header.values.partnerNumber);
          const p = b2InvoiceToProjection(inv);
          expect(back.has(p.invoiceNumber)).toBe(false);
          back.set(p.invoiceNumber, p);
        }
      }
    }
    // Consecutive, each asked once, none skipped.
    expect(asked).toEqual(asked.map((_, i) => String(100 * seed + 1 + i)));
    expect(back.size).toBe(drafts.length);
    for (const d of drafts) expect(back.get(d.invoiceNumber)).toEqual(projectDraft(d));
  });
});
