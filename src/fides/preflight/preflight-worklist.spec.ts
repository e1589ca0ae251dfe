import { csvCell, toCsv } from './csv-writer';
import { worklistCsv, worklistRows, type HeldInvoice } from './preflight-worklist';
import { cleanDraft, INSURED, testContext } from './preflight.test-support';
import { runPreflight } from './run-preflight';

describe('CSV writer', () => {
  it('quotes a cell holding the separator, a quote, CR or LF, doubling quotes', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a;b')).toBe('"a;b"');
    expect(csvCell('a,b')).toBe('a,b');
    expect(csvCell('a,b', ',')).toBe('"a,b"');
    expect(csvCell('say "B2"')).toBe('"say ""B2"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('cr\rhere')).toBe('"cr\rhere"');
    expect(csvCell('')).toBe('');
  });

  it('defuses cells a spreadsheet would run as a formula', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-1')).toBe("'-1");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
  });

  it('writes a header and rows, CRLF after each', () => {
    expect(
      toCsv(
        ['a', 'b'],
        [
          ['1', 'x;y'],
          ['2', ''],
        ],
      ),
    ).toBe('a;b\r\n1;"x;y"\r\n2;\r\n');
  });
});

describe('pre-flight worklist', () => {
  const since = (iso: string): Date => new Date(iso);
  const finding = {
    code: 'PF-NIR-KEY',
    field: 'patient.insuredNirKey',
    severity: 'error' as const,
    message: 'patient.insuredNirKey: the key "does not" match; see B2',
  };
  const held: HeldInvoice[] = [
    { invoiceNumber: '000004712', finess: '990000028', ipp: '=cmd', version: 2, since: since('2026-03-10T08:00:00Z'), findings: [finding] },
    {
      invoiceNumber: '000004711',
      finess: '990000028',
      version: 1,
      since: since('2026-03-09T08:00:00Z'),
      findings: [finding, { ...finding, code: 'PF-RANK' }],
    },
  ];

  it('one row per finding, oldest held invoice first', () => {
    const rows = worklistRows(held);
    expect(rows.map((r) => `${r.invoiceNumber} v${r.version} ${r.code}`)).toEqual([
      '000004711 v1 PF-NIR-KEY',
      '000004711 v1 PF-RANK',
      '000004712 v2 PF-NIR-KEY',
    ]);
    expect(rows[0]).toMatchObject({ ipp: '', since: '2026-03-09T08:00:00.000Z', finess: '990000028' });
  });

  it('CSV: BOM, header, quoted message, defused IPP', () => {
    const csv = worklistCsv(held);
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('\uFEFFinvoice_number;version;finess;ipp;rule;field;severity;message;held_since');
    expect(lines[3]).toBe(
      `000004712;2;990000028;'=cmd;PF-NIR-KEY;patient.insuredNirKey;error;"patient.insuredNirKey: the key ""does not"" match; see B2";2026-03-10T08:00:00.000Z`,
    );
    expect(lines).toHaveLength(5); // header, 3 rows, and the empty string after the last CRLF
  });

  it('carries no NIR nor birth date, only the IPP to find the patient', async () => {
    const d = cleanDraft();
    const r = await runPreflight({ ...d, patient: { ...d.patient, insuredNirKey: '00' } }, testContext());
    const csv = worklistCsv([
      {
        invoiceNumber: d.invoiceNumber,
        finess: d.geographicFiness,
        ipp: d.patient.ipp,
        version: 1,
        since: since('2026-03-10T08:00:00Z'),
        findings: r.findings,
      },
    ]);
    expect(csv).toContain('IPP0001');
    expect(csv).not.toContain(INSURED);
    expect(csv).not.toContain(d.patient.birthDate);
  });
});
