import { b2Layouts } from '../b2';
import type { InvoiceDraftLine } from '../invoice-draft';
import { b2FieldOf, HEADER_FIELDS, LINE_FIELDS } from './draft-b2-fields';
import { draftWith, testContext } from './preflight.test-support';
import { runPreflight } from './run-preflight';

describe('draft → B2 field map', () => {
  it('names only fields the B2 declarations have', () => {
    for (const m of [...HEADER_FIELDS, ...Object.values(LINE_FIELDS).flat()]) expect(() => b2FieldOf(m)).not.toThrow();
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

  it('each line kind is held on what its own record demands (3F, 3H, 4B, 4M)', async () => {
    const lines: InvoiceDraftLine[] = [
      { kind: 'lpp', sourceRef: 'p', code: '3100051', quantity: 1, totalBilled: 100 },
      { kind: 'ucd', sourceRef: 'h', code: '9391234', quantity: 1, unitPrice: 100, totalBilled: 100 },
      { kind: 'biology', sourceRef: 'l', code: '00001104', careDate: '2026-03-02' },
      { kind: 'ccam', sourceRef: 'm', code: 'YYYY010', careDate: '2026-03-02', ccam: { modifiers: [] } },
    ];
    const r = await runPreflight({ ...draftWith({ lines }), statedTotals: {} }, testContext());
    expect(r.findings.filter((f) => f.code === 'PF-MANDATORY').map((f) => f.message)).toEqual([
      'lines[0].unitPrice is missing: B2 record 3F field unitPrice is mandatory',
      'lines[1].splitCoefficient is missing: B2 record 3H field splitCoefficient is mandatory',
      'lines[2].quantity is missing: B2 record 4B field quantity1 is mandatory',
      'lines[3].ccam.activity is missing: B2 record 4M field activityCode is mandatory',
    ]);
  });
});
