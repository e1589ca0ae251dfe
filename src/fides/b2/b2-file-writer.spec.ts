import { Writable } from 'node:stream';
import { B2WriteError } from './b2-errors';
import { B2FileWriter } from './b2-file-writer';
import { readB2File } from './b2-file-reader';
import { aceSampleInvoice, sampleFileHeader, sampleLotHeader } from './samples/sample-lots.test-support';

/** A Writable that keeps what it is given, slowly (back-pressure), or fails on the first write. */
function sink(opts: { fail?: boolean; highWaterMark?: number } = {}): { out: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const out = new Writable({
    highWaterMark: opts.highWaterMark ?? 16 * 1024,
    write(chunk: Buffer, _enc, cb) {
      if (opts.fail === true) return cb(new Error('disk full'));
      chunks.push(chunk);
      setImmediate(cb);
    },
  });
  return { out, text: () => Buffer.concat(chunks).toString('latin1') };
}

describe('B2FileWriter', () => {
  it('an invoice that cannot be written leaves nothing of itself; the file goes on', async () => {
    const s = sink();
    const w = new B2FileWriter(s.out);
    await w.startFile(sampleFileHeader('01', '751'));
    await w.startLot('001', sampleLotHeader('A'));
    const bad = aceSampleInvoice();
    const records = bad.records.map((r, i) => (i === 4 ? { code: r.code, values: { ...r.values, actCode: 'TOO LONG' } } : r));
    await expect(w.writeInvoice({ records })).rejects.toThrow(B2WriteError);
    await w.writeInvoice(aceSampleInvoice());
    await w.endLot();
    await w.endFile();
    const reading = readB2File(s.text());
    expect(reading.lots[0].invoices).toHaveLength(1);
    expect(reading.lots[0].trailer.values.invoiceCount).toBe(1);
  });

  it('streams with back-pressure: 2,000 invoices through a slow 1 KiB stream, read back whole', async () => {
    const s = sink({ highWaterMark: 1024 });
    const w = new B2FileWriter(s.out, { chunkSize: 4096 });
    await w.startFile(sampleFileHeader('01', '751'));
    await w.startLot('001', sampleLotHeader('A'));
    for (let i = 0; i < 2000; i++) await w.writeInvoice(aceSampleInvoice());
    await w.endLot();
    await w.endFile();
    const reading = readB2File(s.text());
    expect(reading.lots[0].invoices).toHaveLength(2000);
    expect(reading.trailer.values).toEqual({ emitterId: '990000028', lotCount: 1, recordCount: 2000 * 8 + 4, invoiceCount: 2000 });
  });

  it('a stream error reaches the caller, and later calls refuse', async () => {
    const s = sink({ fail: true, highWaterMark: 1 });
    const w = new B2FileWriter(s.out, { chunkSize: 256 });
    await expect(
      (async () => {
        await w.startFile(sampleFileHeader('01', '751'));
        await w.startLot('001', sampleLotHeader('A'));
        for (let i = 0; i < 10; i++) await w.writeInvoice(aceSampleInvoice());
      })(),
    ).rejects.toThrow('disk full');
    await expect(w.writeInvoice(aceSampleInvoice())).rejects.toThrow('disk full');
    await expect(w.endFile()).rejects.toThrow('disk full');
  });

  it('calls out of order are refused', async () => {
    const w = new B2FileWriter(sink().out);
    await expect(w.writeInvoice(aceSampleInvoice())).rejects.toThrow('B2FileWriter.writeInvoice() called in state new');
    await w.startFile(sampleFileHeader('01', '751'));
    await expect(w.endLot()).rejects.toThrow('B2FileWriter.endLot() called in state file');
  });
});
