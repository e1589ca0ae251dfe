/** Line splitting and per-line encoding detection of RSF input. */
import { rsfLines, type RsfRawLine } from './rsf-lines';

async function collect(chunks: readonly (Buffer | string)[], maxBytes = 400): Promise<RsfRawLine[]> {
  const out: RsfRawLine[] = [];
  for await (const l of rsfLines(chunks, maxBytes)) out.push(l);
  return out;
}

describe('rsfLines', () => {
  it('decodes ISO-8859-1 and UTF-8 lines to the same characters', async () => {
    const latin1 = Buffer.from('AHÉLÈNE\r\n', 'latin1');
    const utf8 = Buffer.from('AHÉLÈNE\n', 'utf8');
    const lines = await collect([latin1, utf8]);
    expect(lines.map((l) => [l.number, l.text, l.text.length])).toEqual([
      [1, 'AHÉLÈNE', 7],
      [2, 'AHÉLÈNE', 7],
    ]);
  });

  it('joins lines split across chunks anywhere, even inside a UTF-8 character, and drops a BOM', async () => {
    const bytes = Buffer.from('\uFEFFA1é\r\nB22\n\nC333', 'utf8');
    const chunks = Array.from(bytes, (b) => Buffer.from([b]));
    const lines = await collect(chunks);
    expect(lines.map((l) => [l.number, l.text])).toEqual([
      [1, 'A1é'],
      [2, 'B22'],
      [4, 'C333'],
    ]);
  });

  it('cuts a line longer than the limit and flags it, keeping the next line whole', async () => {
    const lines = await collect(['A' + 'x'.repeat(50) + '\r\nB1\n'], 10);
    expect(lines.map((l) => [l.number, l.text.length, l.truncated])).toEqual([
      [1, 11, true],
      [2, 2, false],
    ]);
  });
});
