import { B2WriteError } from './b2-errors';
import { toB2Date } from './b2-date';
import { toB2Text } from './b2-text';
import { b2FinessForm } from './corsican-finess';
import { b2Layouts } from './layouts';
import { recordWriteProblems, writeRecord } from './record-writer';

const set = b2Layouts();
const type4 = {
  partnerNumber: '330781360',
  insuredNir: '1850575123456',
  insuredNirKey: '12',
  beneficiaryRank: '000',
  invoiceNumber: '260000123',
  prescriberNumber: '331234567',
  executantNumber: '330781360',
  careDate: '2026-11-20',
  actCode: 'CS',
  quantity: 1,
  coefficient: 100,
  count: 1,
  unitPrice: 3000,
  reimbursementBase: 3000,
  rate: 70,
  amoAmount: 2100,
  feesAmount: 3000,
};

function writeError(code: string, values: Record<string, string | number | undefined>): B2WriteError {
  try {
    writeRecord(set, code, values);
  } catch (err) {
    if (err instanceof B2WriteError) return err;
    throw err;
  }
  throw new Error('written');
}

describe('B2 record writer', () => {
  it('writes a type 4 field by field at the declared positions', () => {
    const line = writeRecord(set, '4', type4);
    expect(line).toHaveLength(128);
    expect(line.slice(0, 1)).toBe('4');
    expect(line.slice(1, 10)).toBe('330781360');
    expect(line.slice(10, 11)).toBe(' ');
    expect(line.slice(11, 24)).toBe('1850575123456');
    expect(line.slice(29, 38)).toBe('260000123');
    expect(line.slice(38, 43)).toBe('00000'); // MT, DMT empty → zeros
    expect(line.slice(69, 75)).toBe('261120'); // AAMMJJ
    expect(line.slice(75, 80)).toBe('CS   '); // left-aligned, space-padded
    expect(line.slice(82, 88)).toBe('000100'); // coefficient 1.00 ("4+2")
    expect(line.slice(90, 97)).toBe('0003000'); // 30.00 € in cents
    expect(line.slice(104, 107)).toBe('070');
    expect(line.slice(122, 128)).toBe('000000'); // optional AMC amount empty → zeros
  });

  it('a missing mandatory field names record, field and invoice', () => {
    const err = writeError('4', { ...type4, careDate: undefined });
    expect(err.message).toBe('B2 record 4 field careDate (invoice 260000123): mandatory field has no value');
    expect(err).toMatchObject({ recordType: '4', field: 'careDate', invoice: '260000123', problem: 'missing' });
  });

  it('never truncates: a name too long for its field is an error that does not echo the name', () => {
    const name = 'Hélène-Marie de la Tour d’Auvergne-Lauraguais';
    const err = writeError('2S', { ...type4Identity(), sequence: '01', referringDoctorName: name });
    expect(err.problem).toBe('too-long');
    expect(err.message).toBe('B2 record 2S field referringDoctorName (invoice 260000123): 45 characters, the field holds 25');
    expect(err.message).not.toContain('HELENE');
    expect(err.message).not.toContain('Hélène');
  });

  it('too many digits, negative or fractional amounts, text in a number are refused', () => {
    expect(writeError('4', { ...type4, invoiceNumber: '1260000123' }).message).toBe(
      'B2 record 4 field invoiceNumber (invoice 1260000123): 10 digits, the field holds 9',
    );
    expect(writeError('4', { ...type4, unitPrice: 100000000 }).problem).toBe('too-long');
    expect(writeError('4', { ...type4, amoAmount: -1 }).message).toContain('amoAmount (invoice 260000123): amounts are unsigned');
    expect(writeError('4', { ...type4, amoAmount: 21.5 }).message).toContain('an amount is an integer number of cents');
    expect(writeError('4', { ...type4, amoAmount: '2100' }).message).toContain('an amount is an integer number of cents');
    expect(writeError('4', { ...type4, quantity: -1 }).message).toContain('quantity (invoice 260000123): must not be negative');
    expect(writeError('4', { ...type4, partnerNumber: '33078136A' }).message).toContain(
      'partnerNumber (invoice 260000123): accepts digits only',
    );
  });

  it('codes must already be upper-case ASCII; only free-text fields are transliterated', () => {
    expect(writeError('4', { ...type4, actCode: 'cs' }).message).toContain(
      'actCode (invoice 260000123): accepts upper-case ASCII letters, digits and spaces only',
    );
    expect(writeError('4', { ...type4, actCode: 'C-S' }).problem).toBe('not-representable');
    expect(writeError('4', { ...type4, actCode: 3 }).message).toContain('actCode (invoice 260000123): expects text');
    expect(writeError('2S', { ...type4Identity(), sequence: '01', referringDoctorName: '李' }).message).toContain(
      'referringDoctorName (invoice 260000123): has characters with no upper-case ASCII reading',
    );
  });

  it('dates must be real days, ISO or AAMMJJ', () => {
    expect(writeError('4', { ...type4, careDate: '2026-02-30' }).message).toBe(
      'B2 record 4 field careDate (invoice 260000123): expects a real day as YYYY-MM-DD or AAMMJJ',
    );
    expect(writeError('4', { ...type4, careDate: '261340' }).problem).toBe('bad-date');
    expect(writeError('4', { ...type4, careDate: '2100-02-29' }).problem).toBe('bad-date');
    expect(writeRecord(set, '4', { ...type4, careDate: '2024-02-29' }).slice(69, 75)).toBe('240229');
    expect(writeRecord(set, '4', { ...type4, careDate: '261120' }).slice(69, 75)).toBe('261120');
  });

  it('constants are written, and a different value is refused', () => {
    expect(
      writeRecord(set, '4S', { ...type4Identity(), beneficiaryRank: undefined, priorAgreementCode: '0', activityDomain: 'A' }).slice(
        35,
        38,
      ),
    ).toBe('S01');
    expect(
      writeError('4S', { ...type4Identity(), beneficiaryRank: undefined, priorAgreementCode: '0', activityDomain: 'A', sequence: '02' })
        .message,
    ).toBe('B2 record 4S field sequence (invoice 260000123): is fixed to "01"');
  });

  it('unknown records and fields are refused (a typo never drops a value)', () => {
    expect(writeError('4Z', type4).message).toBe('B2 record 4Z (invoice 260000123): no such record in the layout declarations');
    expect(writeError('4', { ...type4, carDate: '2026-11-20' }).message).toBe(
      'B2 record 4 field carDate (invoice 260000123): no such field in this record',
    );
  });

  it('Corsican FINESS 2A/2B are written 2001/2002 (RG_MF609), in numeric and alphanumeric FINESS fields', () => {
    expect(b2FinessForm('2A0002689')).toBe('200102689');
    expect(b2FinessForm('2A0002168')).toBe('200102168');
    expect(b2FinessForm('2B0000123')).toBe('200200123');
    expect(b2FinessForm('330781360')).toBe('330781360');
    expect(writeRecord(set, '4', { ...type4, partnerNumber: '2A0002689' }).slice(1, 10)).toBe('200102689');
    const e = writeRecord(set, '4E', { ...type4Identity(), beneficiaryRank: undefined, executantStructure: '2B0000123' });
    expect(e.slice(74, 88)).toBe('200200123     ');
  });

  it('transliterates text to upper-case ASCII without punctuation', () => {
    expect(toB2Text('Hélène')).toBe('HELENE');
    expect(toB2Text('Œdipe Lætitia')).toBe('OEDIPE LAETITIA');
    expect(toB2Text("D'Aubigné-Le  Gall")).toBe('D AUBIGNE LE GALL');
    expect(toB2Text('  José, María… Núñez. ')).toBe('JOSE MARIA NUNEZ');
    expect(toB2Text('Straße Øster Łódź')).toBe('STRASSE OSTER LODZ');
    expect(toB2Text('Zoë «Ça» (n°2)')).toBe('ZOE CA N 2');
    expect(toB2Text('MARTIN')).toBe('MARTIN');
    expect(toB2Text('王')).toBeUndefined();
    const line = writeRecord(set, '2S', {
      ...type4Identity(),
      sequence: '01',
      referringDoctorName: 'Dupont-Léger',
      referringDoctorFirstName: 'Hélène',
    });
    expect(line.slice(71, 96)).toBe('DUPONT LEGER'.padEnd(25));
    expect(line.slice(96, 111)).toBe('HELENE'.padEnd(15));
  });
});

function type4Identity(): Record<string, string | undefined> {
  return {
    partnerNumber: '330781360',
    insuredNir: '1850575123456',
    insuredNirKey: '12',
    beneficiaryRank: '000',
    invoiceNumber: '260000123',
  };
}

describe('recordWriteProblems (pre-flight: every problem at once)', () => {
  it('lists each field problem of a record, none for a good one', () => {
    expect(recordWriteProblems(set, '4', type4)).toEqual([]);
    const problems = recordWriteProblems(set, '4', { ...type4, careDate: undefined, actCode: 'TOOLONG', amoAmount: -5, carDate: 'x' });
    expect(problems.map((p) => [p.field, p.problem])).toEqual([
      ['carDate', 'unknown-field'],
      ['careDate', 'missing'],
      ['actCode', 'too-long'],
      ['amoAmount', 'not-representable'],
    ]);
    expect(recordWriteProblems(set, 'X', {}).map((p) => p.problem)).toEqual(['unknown-record']);
  });
});

describe('date encoding', () => {
  it('the writer accepts exactly the days toB2Date accepts, and writes the same AAMMJJ', () => {
    const candidates: string[] = [];
    for (const y of [1900, 1999, 2000, 2023, 2024, 2100]) {
      for (let m = 0; m <= 13; m++) {
        for (const d of [0, 1, 28, 29, 30, 31, 32]) {
          const mm = String(m).padStart(2, '0');
          const dd = String(d).padStart(2, '0');
          candidates.push(`${y}-${mm}-${dd}`, `${String(y).slice(2)}${mm}${dd}`);
        }
      }
    }
    candidates.push('2026-1-20', '26112', '2611200', '2026/11/20', 'AB1120', '2026-11-2X', '');
    for (const c of candidates) {
      const expected = toB2Date(c);
      let got: string | undefined;
      try {
        got = writeRecord(set, '4', { ...type4, careDate: c }).slice(69, 75);
      } catch {
        got = undefined;
      }
      // '' is "no value" for the writer (a missing mandatory field), not a bad date.
      if (c !== '') expect({ c, got }).toEqual({ c, got: expected });
    }
  });
});
