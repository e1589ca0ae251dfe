/** The RSF layout declarations: generated ones compile, bad ones are refused with every problem, years resolve. */
import { LayoutDeclarationError } from '../b2/layout-loader';
import { RSF_LAYOUTS } from './layouts';
import { compileRsfLayout, rsfLayout, rsfLayoutYears } from './rsf-layout';
import type { RsfLayoutDeclaration } from './rsf-layout-declaration';

describe('RSF layouts', () => {
  it('declares 2022 to 2026 (one identical layout) with ATIH record lengths and positions', () => {
    expect(rsfLayoutYears()).toEqual([2022, 2023, 2024, 2025, 2026]);
    expect(RSF_LAYOUTS).toHaveLength(1);
    const layout = rsfLayout(2026);
    const lengths = Object.fromEntries([...layout.records.values()].map((r) => [r.type, r.length]));
    expect(lengths).toEqual({ A: 310, B: 164, C: 161, H: 128, L: 165, M: 137, P: 128 });
    const a = layout.records.get('A');
    const at = (name: string): unknown => {
      const f = a?.fields.find((x) => x.name === name);
      return f && [f.start + 1, f.length, f.atih];
    };
    // Positions cited by BILLING.md from ATIH's record A.
    expect(at('insuredNir')).toEqual([22, 13, 'NOSS']);
    expect(at('entryNumber')).toEqual([40, 9, 'NUMENT']);
    expect(at('birthDate')).toEqual([76, 8, 'DATNAIS']);
    expect(at('managementCode')).toEqual([173, 2, 'CDGEST']);
    expect(at('invoiceNumber')).toEqual([302, 9, 'NUMFACT']);
  });

  it('picks the latest layout at or before a year, and refuses an older year', () => {
    const earlier: RsfLayoutDeclaration = { ...RSF_LAYOUTS[0], years: [2019, 2020] };
    const later: RsfLayoutDeclaration = { ...RSF_LAYOUTS[0], years: [2021, 2022, 2023] };
    const decls = [later, earlier];
    expect(rsfLayout(2020, decls).years).toEqual([2019, 2020]);
    expect(rsfLayout(2021, decls).years).toEqual([2021, 2022, 2023]);
    expect(rsfLayout(2031, decls).years).toEqual([2021, 2022, 2023]);
    expect(rsfLayout(undefined, decls).years).toEqual([2021, 2022, 2023]);
    expect(() => rsfLayout(2018, decls)).toThrow('no RSF layout declared for 2018 (declared: 2019, 2020, 2021, 2022, 2023)');
    expect(rsfLayout(2026).years).toContain(2026);
  });

  it('refuses a declaration that does not add up, listing every problem', () => {
    const good = RSF_LAYOUTS[RSF_LAYOUTS.length - 1];
    const [a, ...rest] = good.records;
    const broken: RsfLayoutDeclaration = {
      ...good,
      records: [
        {
          ...a,
          length: a.length + 1,
          fields: a.fields.map((f) => {
            if (f.name === 'birthDate') return { ...f, length: 6 };
            if (f.name === 'sex') return { ...f, scale: 1 };
            return f;
          }),
        },
        ...rest,
        rest[0],
      ],
    };
    let problems: readonly string[] = [];
    try {
      compileRsfLayout(broken);
    } catch (e) {
      if (!(e instanceof LayoutDeclarationError)) throw e;
      problems = e.problems;
    }
    expect(problems).toEqual([
      'RSF 2022-2026 record A field sex: scale applies to I fields only',
      'RSF 2022-2026 record A field birthDate: a date is JJMMAAAA, 8 characters',
      'RSF 2022-2026 record A field birthRank: starts at 84, the previous field ends at 81',
      'RSF 2022-2026 record A: fields end at 310, the record is 311 characters',
      'RSF 2022-2026 record B: declared twice',
    ]);
  });

  it('checks the shape of a declaration handed over as JSON', () => {
    const [a] = RSF_LAYOUTS[0].records;
    const loose = JSON.parse(JSON.stringify({ ...RSF_LAYOUTS[0], records: [a] })) as { records: Record<string, unknown>[] };
    const rec = loose.records[0];
    rec.type = 'Z';
    const fields = rec.fields as Record<string, unknown>[];
    fields[1].presence = 'X';
    fields[2].name = 'Bad Name';
    fields[3].atih = '';
    expect(() => compileRsfLayout(loose as unknown as RsfLayoutDeclaration)).toThrow(
      [
        'RSF 2022-2026 record Z: not a record type this reader maps (A, B, C, H, L, M, P)',
        'RSF 2022-2026 record Z field epmsiFiness: presence must be O or F',
        'RSF 2022-2026 record Z field Bad Name: name must be camelCase letters and digits',
        'RSF 2022-2026 record Z field sex: the ATIH variable name is required',
      ].join('\n- '),
    );
  });
});
