import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { B2FileWriter } from './b2-file-writer';
import { checkEnvelope, readB2File, splitB2Lines } from './b2-file-reader';
import { B2Generator, seededRandom } from './b2-invoice-generator.test-support';
import { type B2Event, readB2Stream } from './b2-stream-reader';
import { b2Layouts } from './layouts';

const ace = join(__dirname, 'samples', 'ace-lot.b2');
const patch = (line: string, position: number, text: string): string =>
  line.slice(0, position - 1) + text + line.slice(position - 1 + text.length);

async function events(input: Readable): Promise<B2Event[]> {
  const out: B2Event[] = [];
  for await (const e of readB2Stream(input)) out.push(e);
  return out;
}

describe('B2 stream reader', () => {
  it('hands over the sample file event by event, the same records as readB2File', async () => {
    const es = await events(createReadStream(ace, { highWaterMark: 100 }));
    expect(es.map((e) => e.kind)).toEqual(['fileHeader', 'lotHeader', 'invoice', 'lotTrailer', 'fileTrailer']);
    const whole = readB2File(readFileSync(ace, 'latin1'));
    const inv = es[2];
    expect(inv.kind === 'invoice' && inv.invoice).toEqual(whole.lots[0].invoices[0]);
    expect(es.flatMap((e) => ('violations' in e ? e.violations : []))).toEqual([]);
  });

  it('finds the same envelope violations as checkEnvelope', async () => {
    const lines = splitB2Lines(readFileSync(ace, 'latin1'));
    lines[10] = patch(patch(lines[10], 12, '002'), 27, '000000004427');
    lines[11] = patch(lines[11], 16, '00000013');
    const text = lines.join('\n');
    const es = await events(Readable.from([text]));
    expect(es.flatMap((e) => ('violations' in e ? e.violations : []))).toEqual(checkEnvelope(readB2File(text)));
    expect(checkEnvelope(readB2File(text)).map((v) => v.code)).toEqual(['B2-LOT-NUMBER', 'B2-LOT-TOTAL', 'B2-FILE-COUNT']);
  });

  it('errors name the line, and a file cut short is refused', async () => {
    const lines = splitB2Lines(readFileSync(ace, 'latin1'));
    await expect(events(Readable.from([[lines[0], ...lines.slice(2)].join('\r\n')]))).rejects.toThrow(
      'B2 line 2, record 2: invoice record outside a lot',
    );
    await expect(events(Readable.from([lines.slice(0, 10).join('\r\n')]))).rejects.toThrow('B2 line 10: the file has no trailer');
    await expect(events(Readable.from([]))).rejects.toThrow('B2 line 1: empty file');
  });

  it('a generated 3-lot file streams through in order, trailers clean', async () => {
    const gen = new B2Generator(b2Layouts(), seededRandom(5));
    const pass = new PassThrough();
    const w = new B2FileWriter(pass, { chunkSize: 512 });
    const written = (async () => {
      await w.startFile({
        emitterId: '990000028',
        grandRegime: '01',
        managingFund: '751',
        fileNumber: '7',
        creationDate: '261201',
        creationTime: '0800',
        normVersion: 'B22005E',
        testIndicator: 'T',
      });
      for (const n of ['001', '002', '003']) {
        await w.startLot(n, { partnerNumber: '990000010', grandRegime: '01', managingFund: '751', creationDate: '261201' });
        for (let i = 0; i < 50; i++) await w.writeInvoice(gen.invoice());
        await w.endLot();
      }
      await w.endFile();
    })();
    const [es] = await Promise.all([events(pass), written]);
    expect(es.filter((e) => e.kind === 'invoice')).toHaveLength(150);
    expect(es.filter((e) => e.kind === 'lotTrailer').map((e) => e.kind === 'lotTrailer' && e.lotHeader.values.lotNumber)).toEqual([
      '001',
      '002',
      '003',
    ]);
    expect(es.flatMap((e) => ('violations' in e ? e.violations : []))).toEqual([]);
  });
});
