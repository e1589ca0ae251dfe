/**
 * b2-record-types.generated.ts is derived from the declarations (b2-record-types.codegen.ts): this spec fails when the
 * committed file differs — run `npm run fides:fixtures` after changing a declaration.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { b2RecordTypesSource } from './b2-record-types.codegen';

it('b2-record-types.generated.ts matches the declarations', () => {
  expect(readFileSync(join(__dirname, 'b2-record-types.generated.ts'), 'utf8')).toBe(b2RecordTypesSource());
});
