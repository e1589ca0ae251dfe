import { aceInvoice, lotFileText } from '../../../tests/support/amo-lots';
import { makeTestNir } from '../cdri/simulated-patients';
import { parseLotRef, readB2Content } from './amo-lot-reader';

const spec = { emitterId: '990000010', fileNumber: '000042' };
const twoInvoices = () =>
  lotFileText(spec, [
    aceInvoice({ invoiceNumber: '260000001', nir: makeTestNir({ order: 1 }) }),
    aceInvoice({ invoiceNumber: '260000002', nir: makeTestNir({ order: 2 }) }),
  ]);

describe('AMO simulator: reading a received B2', () => {
  it('hands over every invoice of a sound file and sums it up (CRLF or LF)', async () => {
    const text = await twoInvoices();
    for (const t of [text, text.replace(/\r\n/g, '\n')]) {
      const seen: string[] = [];
      const r = readB2Content(Buffer.from(t, 'latin1'), (inv, lot) =>
        seen.push(`${String(lot.values.lotNumber)}/${String(inv.records[0].values.invoiceNumber)}`),
      );
      expect(r).toMatchObject({
        ok: true,
        summary: { lotCount: 1, invoiceCount: 2, header: { emitterId: '990000010', managingFund: '751' } },
      });
      expect(seen).toEqual(['001/260000001', '001/260000002']);
    }
  });

  it('refuses trailer counts that do not match the file (TOTX), naming the trailer line and field', async () => {
    const lines = (await twoInvoices()).split('\r\n');
    const trailer = lines.findIndex((l) => l.startsWith('6'));
    lines[trailer] = lines[trailer].slice(0, 14) + '00003' + lines[trailer].slice(19); // invoiceCount 2 → 3
    const r = readB2Content(Buffer.from(lines.join('\r\n'), 'latin1'), () => undefined);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason.code).toBe('TOTX');
    expect(!r.ok && r.anomalies).toEqual([
      expect.objectContaining({ line: trailer + 1, lotNumber: '001', recordType: '6', fieldName: 'invoiceCount' }),
    ]);
  });

  it('refuses an empty file and a file cut before its trailer (STRU)', async () => {
    const cut = (await twoInvoices()).split('\r\n').slice(0, 5).join('\r\n');
    for (const t of ['', cut]) {
      const r = readB2Content(Buffer.from(t, 'latin1'), () => undefined);
      expect(!r.ok && r.reason.code).toBe('STRU');
    }
  });

  it('parses the lot reference of the contract', () => {
    expect(parseLotRef('B2-750000001-01751-000042')).toEqual({
      emitterId: '750000001',
      grandRegime: '01',
      managingFund: '751',
      fileNumber: '000042',
    });
    expect(parseLotRef('B2-75000000-01751-000042')).toBeUndefined();
  });
});
