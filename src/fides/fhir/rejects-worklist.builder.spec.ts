import type { RejectRow } from '../returns/reconciliation.store';
import { buildRejectsWorklist, groupRejects, rejectsCsv } from './rejects-worklist.builder';

const row = (n: string, code: string | null, cents: number): RejectRow => ({
  invoiceId: `00000000-0000-4000-8000-00000000000${n}`,
  invoiceNumber: `00000000${n}`,
  finess: '990000028',
  lotRef: 'B2-990000010-01751-000042',
  rejectCode: code,
  rejectWording: code ? 'DROITS FERMES' : null,
  billedCents: cents,
  rejectedAt: new Date('2026-12-10T08:00:00Z'),
});

describe('rejects worklist', () => {
  const rows = [row('1', 'DF001', 2000), row('2', 'ZZ999', 9000), row('3', 'DF001', 1500), row('4', null, 100)];

  it('groups by code, costliest first, with count, amount at stake and what to do (generic for unknown codes)', () => {
    expect(groupRejects(rows).map((g) => [g.code, g.count, g.amountCents, g.label])).toEqual([
      ['ZZ999', 1, 9000, 'Other motive'],
      ['DF001', 2, 3500, 'AMO rights closed at the date of care'],
      ['UNSPECIFIED', 1, 100, 'Other motive'],
    ]);
  });

  it('is a List whose entries are the groups (contained Lists of Claims), or an empty List saying so', () => {
    const list = buildRejectsWorklist(rows, new Date('2026-12-11T00:00:00Z')) as any;
    expect(list.entry.map((e: any) => e.item.reference)).toEqual(['#reject-ZZ999', '#reject-DF001', '#reject-UNSPECIFIED']);
    expect(list.contained[1].entry.map((e: any) => e.item.reference)).toEqual([
      'Claim/00000000-0000-4000-8000-000000000001',
      'Claim/00000000-0000-4000-8000-000000000003',
    ]);
    const empty = buildRejectsWorklist([], new Date()) as any;
    expect(empty.entry).toBeUndefined();
    expect(empty.emptyReason.text).toBe('No invoice is waiting on a reject');
  });

  it('CSV: one row per invoice, the group figures repeated, with a BOM and ; separators', () => {
    const csv = rejectsCsv(rows);
    expect(csv.startsWith('\uFEFFreject_code;motive;what_to_do;')).toBe(true);
    const lines = csv.slice(1).trim().split('\r\n');
    expect(lines).toHaveLength(5);
    expect(lines[2].split(';').slice(0, 2)).toEqual(['DF001', 'AMO rights closed at the date of care']);
    // The action holds a `;`: quoted, so the row still has its 12 cells.
    expect(lines[2]).toContain('.";2;35.00;000000001;990000028;B2-990000010-01751-000042;20.00;DROITS FERMES;');
  });
});
