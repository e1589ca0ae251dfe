import { type LayoutDeclaration } from './layout-declaration';
import { LayoutDeclarationError, loadLayouts } from './layout-loader';
import { B2_ENVELOPE_LAYOUTS, b2Layouts, FIDES_ACE_INVOICE_LAYOUTS } from './layouts';

function problemsOf(decls: unknown[]): string[] {
  try {
    loadLayouts(decls);
  } catch (err) {
    if (err instanceof LayoutDeclarationError) return [...err.problems];
    throw err;
  }
  throw new Error('declaration accepted');
}

const tiny = (fields: unknown[]): unknown => ({
  name: 'tiny',
  status: 'modelled',
  source: 'test',
  recordLength: 10,
  records: [{ code: 'T', name: 'tiny', fields }],
});

describe('B2 layout declarations', () => {
  it('loads the public invoice records and the modelled envelope: every record closes at 128', () => {
    const set = b2Layouts();
    expect([...set.records.keys()]).toEqual([
      '2',
      '2S',
      '3',
      '3S',
      '3E',
      '3F',
      '3H',
      '4',
      '4S',
      '4E',
      '4B',
      '4H',
      '4M',
      '5',
      '000',
      '1',
      '6',
      '999',
    ]);
    for (const r of set.records.values()) {
      const last = r.fields[r.fields.length - 1];
      expect(last.start + last.length).toBe(128);
    }
    expect(set.records.get('000')?.status).toBe('modelled');
    expect(set.records.get('4M')?.status).toBe('public');
  });

  it('positions follow the transcription ids (e.g. [0356] code acte of type 3 at 56, [4M43] CCAM code at 43)', () => {
    const set = b2Layouts();
    expect(set.records.get('3')?.byName.get('actCode')).toMatchObject({ start: 55, length: 5, kind: 'A' });
    expect(set.records.get('4M')?.byName.get('ccamCode')).toMatchObject({ start: 42, length: 13 });
    expect(set.records.get('2')?.byName.get('insuredNir')).toMatchObject({ start: 11, length: 13 });
    expect(set.records.get('2S')?.byName.get('beneficiaryNir')).toMatchObject({ start: 49, length: 13 });
    expect(set.records.get('3F')?.byName.get('lppCode')).toMatchObject({ start: 42, length: 13 });
  });

  it('lists every problem of a declaration at once: gap, overlap, short end, bad constant, no key', () => {
    const problems = problemsOf([
      tiny([
        { name: 'a', position: 1, length: 2, kind: 'N', presence: 'O', meaning: 'a', constant: '1' },
        { name: 'b', position: 4, length: 2, kind: 'A', presence: 'O', meaning: 'b' },
        { name: 'c', position: 5, length: 3, kind: 'A', presence: 'O', meaning: 'c' },
      ]),
    ]);
    expect(problems).toEqual(['tiny record T field #1 a: constant has 1 characters, the field 2']);
    const more = problemsOf([
      tiny([
        { name: 'a', position: 1, length: 1, kind: 'N', presence: 'O', meaning: 'a', constant: '1', key: true },
        { name: 'b', position: 3, length: 2, kind: 'A', presence: 'O', meaning: 'b' },
        { name: 'c', position: 4, length: 3, kind: 'A', presence: 'O', meaning: 'c' },
      ]),
    ]);
    expect(more).toEqual([
      'tiny record T: gap at positions 2-2 before b',
      'tiny record T: c at 4 overlaps the field before it (which ends at 4)',
      'tiny record T: fields end at 6, the record is 10 characters',
    ]);
  });

  it('refuses malformed fields, each named', () => {
    const problems = problemsOf([
      tiny([
        { name: 'Bad-name', position: 1, length: 1, kind: 'N', presence: 'O', meaning: 'x' },
        { name: 'd', position: 2, length: 5, kind: 'D', presence: 'X', meaning: 'x' },
        { name: 'e', position: 7, length: 4, kind: 'Q', presence: 'O', meaning: '' },
        { name: 'f', position: 0, length: 0, kind: 'A', presence: 'O', meaning: 'x', code: true },
      ]),
    ]);
    expect(problems).toEqual(
      expect.arrayContaining([
        'tiny record T field #1: name must be camelCase letters and digits',
        'tiny record T field #2 d: presence must be O or F',
        'tiny record T field #3 e: kind must be one of N, A, D, M',
        'tiny record T field #3 e: meaning is required',
        'tiny record T field #4 f: position must be an integer ≥ 1',
        'tiny record T field #4 f: length must be an integer ≥ 1',
      ]),
    );
  });

  it('refuses a date that is not 6 characters, a too-long number and an id that contradicts the position', () => {
    const problems = problemsOf([
      tiny([
        { name: 'a', position: 1, length: 1, kind: 'N', presence: 'O', meaning: 'a', constant: '1', key: true },
        { name: 'd', position: 2, length: 8, kind: 'D', presence: 'O', meaning: 'd' },
        { name: 'n', position: 10, length: 1, kind: 'N', presence: 'O', meaning: 'n', id: '0311' },
      ]),
    ]);
    // Field problems first: the record's geometry is checked once its fields are well formed.
    expect(problems).toEqual(['tiny record T field #2 d: a date (D) is AAMMJJ, 6 characters (got 8)']);
    const ids = problemsOf([
      tiny([
        { name: 'a', position: 1, length: 1, kind: 'N', presence: 'O', meaning: 'a', constant: '1', key: true },
        { name: 'd', position: 2, length: 6, kind: 'D', presence: 'O', meaning: 'd' },
        { name: 'n', position: 8, length: 3, kind: 'N', presence: 'O', meaning: 'n', id: '0310' },
      ]),
    ]);
    expect(ids).toEqual(['tiny record T: n has id 0310 but position 8']);
    const big = problemsOf([
      {
        ...(tiny([]) as object),
        recordLength: 20,
        records: [{ code: 'T', name: 't', fields: [{ name: 'a', position: 1, length: 20, kind: 'M', presence: 'O', meaning: 'a' }] }],
      },
    ]);
    expect(big).toEqual(['tiny record T field #1 a: 20 digits do not fit a number exactly; declare it a code']);
  });

  it('refuses two records a reader cannot tell apart, and a record declared twice', () => {
    const rec = (code: string): unknown => ({
      code,
      name: code,
      fields: [
        { name: 'a', position: 1, length: 1, kind: 'N', presence: 'O', meaning: 'a', constant: '1', key: true },
        { name: 'b', position: 2, length: 9, kind: 'A', presence: 'F', meaning: 'b' },
      ],
    });
    const d = { name: 'x', status: 'modelled', source: 's', recordLength: 10, records: [rec('A'), rec('B'), rec('A')] };
    expect(problemsOf([d])).toEqual([
      'x record A: declared twice',
      'records A and B have the same key fields: a reader cannot tell them apart',
    ]);
  });

  it('refuses declarations of different record lengths and a missing header', () => {
    const short = { ...FIDES_ACE_INVOICE_LAYOUTS, name: 'other', recordLength: 100, records: [] };
    expect(problemsOf([B2_ENVELOPE_LAYOUTS, short, { status: 'x' }])).toEqual([
      'other: recordLength 100 differs from 128 in another declaration',
      'other: records must be a non-empty list',
      'declaration #3: name is required',
      'declaration #3: status must be public or modelled',
      'declaration #3: source is required',
      'declaration #3: recordLength must be an integer ≥ 1',
      'declaration #3: records must be a non-empty list',
    ]);
  });

  it('the envelope says it is modelled, not certified', () => {
    const d: LayoutDeclaration = B2_ENVELOPE_LAYOUTS;
    expect(d.status).toBe('modelled');
    expect(d.source).toContain('modelled, not certified — a certified editor replaces this declaration without touching code');
  });
});
