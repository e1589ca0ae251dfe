/**
 * The streaming reader over a generated 50,000-invoice month: every invoice comes out, and the first ones come out
 * while the input is still being produced — the reader holds one invoice, not the file. (No timing asserted:
 * throughput belongs in bench/.)
 */
import { computeNirKey } from '../../identifiers';
import { readRsf, type RsfCounts } from './rsf-reader';
import { rsfTestLine } from './rsf-lines.test-support';

const INVOICES = 50_000;
const PER_CHUNK = 100;

function templates(): { a: string; c: string; m: string } {
  const nir = '2920175123123';
  const base = { epmsiFiness: '990000010', geographicFiness: '990000028', insuredNir: nir, insuredNirKey: computeNirKey(nir) };
  const ids = { entryNumber: '000000000', invoiceNumber: '000000000' };
  return {
    a: rsfTestLine('A', {
      ...base,
      ...ids,
      beneficiaryRank: '000',
      birthDate: '1992-01-17',
      entryDate: '2026-01-05',
      exitDate: '2026-01-05',
    }),
    c: rsfTestLine('C', {
      ...base,
      ...ids,
      careDate: '2026-01-05',
      actCode: 'G',
      quantity: 1,
      coefficient: 100,
      unitPrice: 3000,
      rate: 70,
      amoAmount: 2100,
    }),
    m: rsfTestLine('M', { ...base, ...ids, careDate: '2026-01-05', ccamCode: 'DEQP003', activityCode: '1' }),
  };
}

describe('readRsf streaming', () => {
  it(`reads ${INVOICES} invoices while the input is produced`, async () => {
    const t = templates();
    const state = { produced: 0 };
    // Entry number at 40 (A) / 38 (C, M); invoice number at the end of each line.
    const withIds = (line: string, entryAt: number, id: string): string =>
      line.slice(0, entryAt - 1) + id + line.slice(entryAt - 1 + 9, line.length - 9) + id;
    function* source(): Generator<string> {
      for (let start = 1; start <= INVOICES; start += PER_CHUNK) {
        const lines: string[] = [];
        for (let n = start; n < start + PER_CHUNK && n <= INVOICES; n++) {
          const id = String(n).padStart(9, '0');
          lines.push(withIds(t.a, 40, id), withIds(t.c, 38, id), withIds(t.m, 38, id));
        }
        state.produced += lines.length / 3;
        yield lines.join('\r\n') + '\r\n';
      }
    }
    let seen = 0;
    let lines = 0;
    let producedAtFirst = -1;
    let lastNumber = '';
    let counts: RsfCounts | undefined;
    for await (const e of readRsf(source())) {
      if (e.kind === 'invoice') {
        if (seen === 0) producedAtFirst = state.produced;
        seen++;
        if (!e.invoice.accepted) throw new Error(e.invoice.errors[0]?.message);
        lines += e.invoice.lines.length;
        lastNumber = e.invoice.invoiceNumber ?? '';
      } else if (e.kind === 'end') counts = e.counts;
    }
    expect(seen).toBe(INVOICES);
    expect(lines).toBe(INVOICES * 2);
    expect(lastNumber).toBe(String(INVOICES).padStart(9, '0'));
    expect(counts).toEqual({ lines: INVOICES * 3, invoicesRead: INVOICES, accepted: INVOICES, refused: 0, fileErrors: 0 });
    expect(producedAtFirst).toBeLessThanOrEqual(PER_CHUNK);
  });
});
