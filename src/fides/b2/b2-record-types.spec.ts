/**
 * b2-record-types.generated.ts is derived from the declarations (one object type per record: its fields, the
 * value type of each, mandatory ones required). This spec regenerates it and fails when the committed file differs:
 * run `UPDATE_B2_TYPES=1 npx jest src/fides/b2/b2-record-types.spec.ts` after changing a declaration.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CompiledField, type LayoutSet } from './layout-loader';
import { b2Layouts, noemieLayouts } from './layouts';

const valueType = (f: CompiledField): string => {
  if (f.kind === 'A' || f.kind === 'D' || f.code) return 'string';
  return 'number';
};

function typesOf(set: LayoutSet, prefix: string): string {
  let out = '';
  const names: string[] = [];
  for (const rec of set.records.values()) {
    const name = `${prefix}${rec.code}Values`;
    names.push(`  '${rec.code}': ${name};`);
    out += `/** ${rec.name} (${rec.status}) */\nexport type ${name} = {\n`;
    for (const f of rec.fields) {
      if (f.constant !== undefined) continue;
      // A mandatory field may still be filled by the writer (derived envelope counts): optional there.
      const optional = !f.mandatory || f.derive !== undefined;
      out += `  ${f.name}${optional ? '?' : ''}: ${valueType(f)};\n`;
    }
    out += '};\n\n';
  }
  out += `export type ${prefix}ValuesByCode = {\n${names.join('\n')}\n};\n`;
  return out;
}

function generate(): string {
  return (
    '/**\n * GENERATED from the layout declarations by b2-record-types.spec.ts — do not edit; regenerate with\n' +
    ' * `UPDATE_B2_TYPES=1 npx jest src/fides/b2/b2-record-types.spec.ts`. Values as in b2-values.ts.\n */\n\n' +
    typesOf(b2Layouts(), 'B2Record') +
    '\n' +
    typesOf(noemieLayouts(), 'NoemieRecord')
  );
}

it('b2-record-types.generated.ts matches the declarations', () => {
  const file = join(__dirname, 'b2-record-types.generated.ts');
  const want = generate();
  if (process.env.UPDATE_B2_TYPES === '1') writeFileSync(file, want);
  expect(readFileSync(file, 'utf8')).toBe(want);
});
