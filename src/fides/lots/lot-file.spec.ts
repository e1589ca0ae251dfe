/**
 * Lot assembly: drafts grouped by (grand régime, caisse gestionnaire); one file per group; lots of one billing
 * FINESS cut at the maximum, numbered by the caller's sequence only when started; refused drafts left out with
 * their problems; an invoice for another caisse never enters the file.
 */
import { checkEnvelope, readB2File } from '../b2';
import type { B2Invoice } from '../b2';
import type { InvoiceDraft } from '../invoice-draft';
import { DraftGenerator } from './draft-generator.test-support';
import { draftToB2Invoice } from './draft-to-b2';
import { writeDraftsLotFile } from './lot-file-from-drafts';
import { planLots, writeLotFile } from './lot-file-writer';
import { groupByRecipient } from './lot-recipient';
import { collect, TEST_CONTEXT, TEST_ENVELOPE } from './lots.test-support';

const CPAM_75 = { grandRegime: '01', managingFund: '751' };

function drafts(n: number, over: (d: InvoiceDraft, i: number) => InvoiceDraft = (d) => d): InvoiceDraft[] {
  const gen = new DraftGenerator(7);
  return Array.from({ length: n }, (_, i) => {
    const d = gen.draft();
    return over({ ...d, geographicFiness: '990000010', coverage: { ...d.coverage, ...CPAM_75, managingCentre: '0001' } }, i);
  });
}

const invoice = (d: InvoiceDraft): B2Invoice => {
  const r = draftToB2Invoice(d, TEST_CONTEXT);
  if (!r.ok) throw new Error(r.problems[0].message);
  return r.invoice;
};

function counter(start: number): { next: () => string; asked: string[] } {
  const asked: string[] = [];
  let n = start;
  return {
    asked,
    next: () => {
      const s = String(++n);
      asked.push(s);
      return s;
    },
  };
}

describe('groupByRecipient', () => {
  it('groups by (grand régime, caisse), in order of first appearance; a draft naming no caisse is unrouted', () => {
    const [a, b, c, d] = drafts(4);
    const { groups, unrouted } = groupByRecipient([
      a,
      { ...b, coverage: { ...b.coverage, managingFund: '931' } },
      { ...c, coverage: { ...c.coverage, grandRegime: '02' } },
      d,
      { ...d, invoiceNumber: '999999999', coverage: { ...d.coverage, managingFund: undefined } },
    ]);
    expect(groups.map((g) => [g.recipient, g.drafts.map((x) => x.invoiceNumber)])).toEqual([
      [CPAM_75, [a.invoiceNumber, d.invoiceNumber]],
      [{ grandRegime: '01', managingFund: '931' }, [b.invoiceNumber]],
      [{ grandRegime: '02', managingFund: '751' }, [c.invoiceNumber]],
    ]);
    expect(unrouted).toEqual([
      {
        invoiceNumber: '999999999',
        problems: [
          {
            code: 'FIDES-NO-RECIPIENT',
            field: '2.managingFund',
            message: 'invoice 999999999: no managingFund, so no caisse to send it to',
          },
        ],
      },
    ]);
  });
});

describe('writeLotFile', () => {
  it('cuts lots at the maximum, one billing FINESS per lot, numbers asked once per lot and consecutive', async () => {
    const ds = drafts(7, (d, i) => (i >= 5 ? { ...d, geographicFiness: '990000028' } : d));
    const { out, text } = collect();
    const seq = counter(40);
    const lots = await writeLotFile(out, CPAM_75, TEST_ENVELOPE, ds.map(invoice), { maxInvoicesPerLot: 2, nextLotNumber: seq.next });
    expect(seq.asked).toEqual(['41', '42', '43', '44']);
    expect(lots.map((l) => [l.lotNumber, l.partnerNumber, l.invoiceNumbers.length])).toEqual([
      ['041', '990000010', 2],
      ['042', '990000010', 2],
      ['043', '990000010', 1],
      ['044', '990000028', 2],
    ]);
    const reading = readB2File(text());
    expect(checkEnvelope(reading)).toEqual([]);
    expect(reading.lots.map((l) => [l.header.values.lotNumber, l.trailer.values.invoiceCount])).toEqual([
      ['041', 2],
      ['042', 2],
      ['043', 1],
      ['044', 2],
    ]);
    expect(reading.trailer.values).toMatchObject({ lotCount: 4, invoiceCount: 7 });
    expect(reading.header.values).toMatchObject({ emitterId: '990000028', fileNumber: '000001', managingCentre: '0001' });
  });

  it('leaves the centre blank in the envelope when the invoices name several', async () => {
    const ds = drafts(2, (d, i) => ({ ...d, coverage: { ...d.coverage, managingCentre: i === 0 ? '0001' : '0420' } }));
    const { out, text } = collect();
    await writeLotFile(out, CPAM_75, TEST_ENVELOPE, ds.map(invoice), { maxInvoicesPerLot: 10, nextLotNumber: () => '1' });
    expect(readB2File(text()).header.values.managingCentre).toBeUndefined();
  });

  it('refuses, before writing anything, an invoice for another caisse (one caisse per file)', async () => {
    const ds = drafts(2, (d, i) => (i === 1 ? { ...d, coverage: { ...d.coverage, managingFund: '931' } } : d));
    const { out, text } = collect();
    const seq = counter(0);
    await expect(
      writeLotFile(out, CPAM_75, TEST_ENVELOPE, ds.map(invoice), { maxInvoicesPerLot: 10, nextLotNumber: seq.next }),
    ).rejects.toThrow(`invoice ${ds[1].invoiceNumber} is not for grand régime 01, caisse 751`);
    expect(seq.asked).toEqual([]);
    expect(text()).toBe('');
  });

  it('refuses a malformed lot number and a maximum that is not a positive integer', async () => {
    const inv = drafts(1).map(invoice);
    for (const bad of ['0', '000', '1000', 'A1'])
      await expect(
        writeLotFile(collect().out, CPAM_75, TEST_ENVELOPE, inv, { maxInvoicesPerLot: 5, nextLotNumber: () => bad }),
      ).rejects.toThrow('nextLotNumber()');
    expect(() => planLots(inv, 0)).toThrow('maxInvoicesPerLot');
  });
});

describe('writeDraftsLotFile', () => {
  it('writes the drafts that map and refuses the others with their problems', async () => {
    const ds = drafts(3, (d, i) => (i === 1 ? { ...d, coverage: { ...d.coverage, insuranceNature: '100' } } : d));
    const { out, text } = collect();
    const result = await writeDraftsLotFile(out, CPAM_75, ds, TEST_CONTEXT, TEST_ENVELOPE, {
      maxInvoicesPerLot: 10,
      nextLotNumber: () => '5',
    });
    expect(result.lots).toEqual([
      { lotNumber: '005', partnerNumber: '990000010', invoiceNumbers: [ds[0].invoiceNumber, ds[2].invoiceNumber] },
    ]);
    expect(result.refused).toEqual([
      {
        invoiceNumber: ds[1].invoiceNumber,
        problems: [expect.objectContaining({ code: 'B2-WRITE-too-long', field: '2.insuranceNature' })],
      },
    ]);
    expect(readB2File(text()).lots[0].invoices).toHaveLength(2);
  });

  it('writes nothing and asks no lot number when no draft maps', async () => {
    const { out, text } = collect();
    const seq = counter(0);
    const result = await writeDraftsLotFile(
      out,
      CPAM_75,
      drafts(1, (d) => ({ ...d, lines: [] })),
      TEST_CONTEXT,
      TEST_ENVELOPE,
      {
        maxInvoicesPerLot: 10,
        nextLotNumber: seq.next,
      },
    );
    expect(result.lots).toEqual([]);
    expect(result.refused).toHaveLength(1);
    expect(seq.asked).toEqual([]);
    expect(text()).toBe('');
  });
});
