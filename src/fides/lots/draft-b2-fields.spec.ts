import { b2Layouts } from '../b2';
import type { B2Record } from '../b2';
import { b2FieldOf, biologySlotField, HEADER_FIELDS, LINE_FIELDS } from './draft-b2-fields';
import { DraftGenerator } from './draft-generator.test-support';
import { draftToB2Invoice } from './draft-to-b2';
import { TEST_CONTEXT } from './lots.test-support';

describe('draft → B2 field map', () => {
  it('names only fields the B2 declarations have', () => {
    for (const m of [...HEADER_FIELDS, ...Object.values(LINE_FIELDS).flat()]) expect(() => b2FieldOf(m)).not.toThrow();
    for (const n of [2, 3, 4, 5])
      for (const m of LINE_FIELDS.biology) expect(() => b2FieldOf({ ...m, b2Field: biologySlotField(m.b2Field, n) })).not.toThrow();
  });

  it('takes "mandatory" from the declarations, not from a list of its own', () => {
    const mandatory = (record: string, field: string): boolean | undefined => b2Layouts().records.get(record)?.byName.get(field)?.mandatory;
    // What the public transcription says (O/F), read back through the map.
    expect(b2FieldOf({ record: '4', b2Field: 'careDate' }).mandatory).toBe(mandatory('4', 'careDate'));
    expect(b2FieldOf({ record: '4', b2Field: 'careDate' }).mandatory).toBe(true);
    expect(b2FieldOf({ record: '4', b2Field: 'executantSpecialty' }).mandatory).toBe(false);
    expect(b2FieldOf({ record: '3F', b2Field: 'lppCode' }).mandatory).toBe(true);
    expect(b2FieldOf({ record: '2', b2Field: 'birthRank' }).mandatory).toBe(false);
  });

  it('is what the builder writes: every mapped field of a built invoice holds the value the map reads', () => {
    const gen = new DraftGenerator(7);
    for (let i = 0; i < 30; i++) {
      const d = gen.draft();
      const r = draftToB2Invoice(d, TEST_CONTEXT);
      if (!r.ok) throw new Error(r.problems[0].message);
      const of = (code: string): B2Record[] => r.invoice.records.filter((x) => x.code === code);
      for (const m of HEADER_FIELDS)
        for (const rec of of(m.record)) expect([m.record, m.b2Field, rec.values[m.b2Field]]).toEqual([m.record, m.b2Field, m.read(d, d)]);
      for (const l of d.lines) {
        const fields = LINE_FIELDS[l.kind];
        const slots = l.kind === 'biology' ? [1, 2, 3, 4, 5] : [1];
        const at = (rec: B2Record, n: number): boolean =>
          fields.every((m) => rec.values[l.kind === 'biology' ? biologySlotField(m.b2Field, n) : m.b2Field] === m.read(l, d));
        // Some record of the line's kind carries all its mapped values (in one of the five slots for biology).
        expect(of(fields[0].record).some((rec) => slots.some((n) => at(rec, n)))).toBe(true);
      }
    }
  });
});
