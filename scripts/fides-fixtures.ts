import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { b2RecordTypesSource } from '../src/fides/b2/b2-record-types.codegen';
import { rsfSampleLotText } from '../src/fides/lots/samples/write-rsf-sample-lot.test-support';

/**
 * Rewrites the FIDES files derived from the code, after a deliberate change of a declaration or of the mapping: the
 * B2 record value types and the lot file the RSF sample month makes. Their specs fail until they are rewritten, so a
 * change always shows as a diff of these files. Run from dist/scripts: paths lead back to the source tree.
 */
const FIDES = join(__dirname, '..', '..', 'src', 'fides');

async function main(): Promise<void> {
  writeFileSync(join(FIDES, 'b2', 'b2-record-types.generated.ts'), b2RecordTypesSource());
  const lot = await rsfSampleLotText(join(FIDES, 'rsf', 'samples', 'sample-month.rsf'));
  writeFileSync(join(FIDES, 'lots', 'samples', 'rsf-sample-lot.b2'), lot, 'latin1');
  process.stdout.write('src/fides: b2-record-types.generated.ts and lots/samples/rsf-sample-lot.b2 written\n');
}

void main();
