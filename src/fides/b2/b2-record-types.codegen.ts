/**
 * The record value types (b2-record-types.generated.ts) derived from the layout declarations: one object type per
 * record, its fields, the value type of each, mandatory ones required. `npm run fides:fixtures` (scripts/fides-fixtures.ts)
 * writes the file; b2-record-types.spec.ts fails when the committed file is not what the declarations say.
 */
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

/** The source of b2-record-types.generated.ts. */
export function b2RecordTypesSource(): string {
  return (
    '/**\n * GENERATED from the layout declarations by b2-record-types.codegen.ts — do not edit; regenerate with\n' +
    ' * `npm run fides:fixtures`. Values as in b2-values.ts.\n */\n\n' +
    typesOf(b2Layouts(), 'B2Record') +
    '\n' +
    typesOf(noemieLayouts(), 'NoemieRecord')
  );
}
