/**
 * The lot file made from the RSF sample month is kept (rsf-sample-lot.b2, CRLF, ASCII) so that a change of the
 * mapping shows as a diff of the file; its record-by-record reading is asserted in ../rsf-sample-to-b2.spec.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkEnvelope, readB2File } from '../../b2';
import { rsfSampleLotText } from './write-rsf-sample-lot.test-support';

const SAMPLE = join(__dirname, 'rsf-sample-lot.b2');

describe('RSF sample lot file', () => {
  it('is the file the RSF sample month makes', async () => {
    // After a deliberate change of the mapping, `npm run fides:fixtures` rewrites the file.
    expect(readFileSync(SAMPLE, 'latin1')).toBe(await rsfSampleLotText());
  });

  it('reads as one file for caisse 751, one lot 001 of the stay and the ACE, counts and totals checked', () => {
    const reading = readB2File(readFileSync(SAMPLE, 'latin1'));
    expect(checkEnvelope(reading)).toEqual([]);
    expect(reading.recordCount).toBe(20);
    expect(reading.lots.map((l) => [l.header.values.lotNumber, l.invoices.map((i) => i.records[0].values.invoiceNumber)])).toEqual([
      ['001', ['000004711', '000004712']],
    ]);
  });
});
