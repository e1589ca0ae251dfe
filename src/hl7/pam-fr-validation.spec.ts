import {
  buildPam,
  buildPamText,
  MALFORMED,
  SAMPLE_BIRTH_DATE,
  SAMPLE_FAMILY,
  SAMPLE_FINESS,
  SAMPLE_INSURED_NIR,
  SAMPLE_IPP,
  SAMPLE_NIR,
  SAMPLE_SITE_FINESS,
  SAMPLE_VISIT,
} from '../../tests/support/hl7-samples';
import { isHl7Dt, isHl7Dtm } from './hl7-datatypes';
import { parseHl7 } from './hl7-message';
import { extractAdtFacts, validatePamFr } from './pam-fr-validation';

const validate = (bytes: Buffer | string) => validatePamFr(parseHl7(bytes));
const codes = (r: ReturnType<typeof validate>) => r.issues.map((i) => `${i.segment}-${i.field ?? ''}:${i.code}${i.severity}`);

/** Rewrites one segment of a sample (malformed variants of valid samples). */
function edit(text: string, seg: string, f: (fields: string[]) => void): string {
  return text
    .split('\r')
    .map((line) => {
      if (!line.startsWith(`${seg}|`)) return line;
      const fields = line.split('|');
      f(fields);
      return fields.join('|');
    })
    .join('\r');
}

describe('validatePamFr', () => {
  it.each(['A01', 'A02', 'A03', 'A04', 'A05', 'A08', 'A11', 'A12', 'A13', 'A28', 'A31', 'A38', 'A40', 'Z99'])(
    'accepts a well-formed %s with AA and no error',
    (event) => {
      const r = validate(buildPam(event));
      expect(r.event).toBe(event);
      expect(r.issues).toEqual([]);
      expect(r.ackCode).toBe('AA');
    },
  );

  it('rejects header problems with AR and the table 0357 code', () => {
    expect(validate(MALFORMED.unsupportedEvent())).toMatchObject({ ackCode: 'AR', issues: [{ segment: 'MSH', field: 9, code: 201 }] });
    expect(validate(MALFORMED.unsupportedType())).toMatchObject({ ackCode: 'AR', issues: [{ field: 9, code: 200 }] });
    expect(validate(MALFORMED.badVersion())).toMatchObject({ ackCode: 'AR', issues: [{ field: 12, code: 203 }] });
    expect(validate(MALFORMED.missingControlId())).toMatchObject({ ackCode: 'AR', issues: [{ field: 10, code: 101 }] });
    const debug = edit(buildPamText('A04'), 'MSH', (f) => {
      f[10] = 'X';
    });
    expect(validate(debug)).toMatchObject({ ackCode: 'AR', issues: [{ field: 11, code: 202 }] });
  });

  it('honours the configured processing ids', () => {
    const r = validatePamFr(parseHl7(buildPam('A04', { processingId: 'T' })), { acceptedProcessingIds: ['P'] });
    expect(r.ackCode).toBe('AR');
  });

  it('warns (AA kept) when MSH-12 lacks the FRA extension', () => {
    const r = validate(
      edit(buildPamText('A04'), 'MSH', (f) => {
        f[11] = '2.5';
      }),
    );
    expect(r.ackCode).toBe('AA');
    expect(codes(r)).toEqual(['MSH-12:203W']);
  });

  it('answers AE 101 for a missing PID-3', () => {
    const r = validate(MALFORMED.missingPid3());
    expect(r.ackCode).toBe('AE');
    expect(codes(r)).toEqual(['PID-3:101E']);
  });

  it('requires PID-5 on identity events only', () => {
    const noName = (event: string) =>
      edit(buildPamText(event), 'PID', (f) => {
        f[5] = '';
      });
    expect(codes(validate(noName('A28')))).toEqual(['PID-5:101E']);
    expect(validate(noName('A04')).ackCode).toBe('AA');
  });

  it('requires PV1 with a table 0004 patient class on visit events', () => {
    const noPv1 = buildPamText('A01')
      .split('\r')
      .filter((l) => !l.startsWith('PV1|'))
      .join('\r');
    expect(codes(validate(noPv1))).toEqual(['PV1-:100E']);
    expect(
      codes(
        validate(
          edit(buildPamText('A04'), 'PV1', (f) => {
            f[2] = '';
          }),
        ),
      ),
    ).toEqual(['PV1-2:101E']);
    expect(
      codes(
        validate(
          edit(buildPamText('A04'), 'PV1', (f) => {
            f[2] = 'X';
          }),
        ),
      ),
    ).toEqual(['PV1-2:103E']);
  });

  it('requires ZBE on movements, with id, date, action consistent with the event', () => {
    const noZbe = buildPamText('A03')
      .split('\r')
      .filter((l) => !l.startsWith('ZBE|'))
      .join('\r');
    expect(codes(validate(noZbe))).toEqual(['ZBE-:100E']);
    expect(validate(buildPamText('A08')).ackCode).toBe('AA'); // A08: no movement, no ZBE needed
    const bad = edit(buildPamText('A01'), 'ZBE', (f) => {
      f[1] = '';
      f[2] = '20251399';
      f[4] = 'DELETE';
      f[5] = 'X';
    });
    expect(codes(validate(bad))).toEqual(['ZBE-1:101E', 'ZBE-2:102E', 'ZBE-4:103E', 'ZBE-5:103E']);
    const wrongAction = edit(buildPamText('A11'), 'ZBE', (f) => {
      f[4] = 'INSERT';
    });
    expect(codes(validate(wrongAction))).toEqual(['ZBE-4:103E']);
    const noOrigin = edit(buildPamText('Z99'), 'ZBE', (f) => {
      f[6] = '';
    });
    expect(codes(validate(noOrigin))).toEqual(['ZBE-6:101E']);
  });

  it('checks IN1-49 is shaped like a NIR when present, and IN1 dates', () => {
    const bad = edit(buildPamText('A04'), 'IN1', (f) => {
      f[49] = '12345';
      f[12] = '20250230';
    });
    expect(codes(validate(bad))).toEqual(['IN1-49:102E', 'IN1-12:102E']);
    expect(validate(buildPam('A04', { insuredNir: '2600799999002XX' })).ackCode).toBe('AE');
    expect(validate(buildPam('A04', { insuredNir: '185122A99900196' })).ackCode).toBe('AA'); // 2A accepted
    expect(validate(buildPam('A04', { noInsurance: true })).ackCode).toBe('AA');
  });

  it('checks dates (DTM) and requires EVN-2 and MSH-7', () => {
    const r = validate(buildPam('A04', { birthDate: '19851232', admitDate: '2025011525' }));
    expect(codes(r)).toEqual(['EVN-6:102E', 'PID-7:102E', 'PV1-44:102E', 'ZBE-2:102E']);
    const noEvn2 = edit(buildPamText('A28'), 'EVN', (f) => {
      f[2] = '';
    });
    expect(codes(validate(noEvn2))).toEqual(['EVN-2:101E']);
  });

  it('never quotes message values in issue texts', () => {
    const r = validate(
      edit(buildPamText('A04'), 'IN1', (f) => {
        f[49] = 'SECRET-VALUE-1';
      }),
    );
    expect(r.issues.map((i) => i.text).join(' ')).not.toContain('SECRET');
  });
});

describe('extractAdtFacts', () => {
  it('extracts the facts of an A01', () => {
    const facts = extractAdtFacts(parseHl7(buildPam('A01', { controlId: 'C1' })));
    expect(facts).toMatchObject({
      event: 'A01',
      messageType: 'ADT',
      controlId: 'C1',
      sendingApp: 'GAP-TEST',
      nir: SAMPLE_NIR,
      patientNir: SAMPLE_NIR,
      insuredNir: SAMPLE_INSURED_NIR,
      insOid: '1.2.250.1.213.1.4.10',
      birthDate: '1985-12-01',
      visitNumber: SAMPLE_VISIT,
      admitDate: '2025-01-15',
      finess: SAMPLE_FINESS,
      siteFiness: SAMPLE_SITE_FINESS,
      patientClass: 'I',
      movementAction: 'INSERT',
    });
    expect(facts.patientIds).toEqual([
      { id: SAMPLE_NIR, authority: 'ASIP-SANTE-INS-NIR', authorityOid: '1.2.250.1.213.1.4.10', typeCode: 'INS' },
      { id: SAMPLE_IPP, authority: 'GAP-TEST', authorityOid: '1.2.250.1.999.1.1', typeCode: 'PI' },
    ]);
    expect(facts.coverages).toEqual([
      {
        planId: 'AMO',
        organism: '019999999',
        rightsStart: '2025-01-01',
        rightsEnd: '2025-12-31',
        codeGestion: '10',
        insuredNir: SAMPLE_INSURED_NIR,
      },
    ]);
    expect(facts.plannedDate).toBeUndefined();
    expect(JSON.stringify(facts)).not.toContain('undefined');
  });

  it('gives the planned date of an A05 and falls back to IN1-49 for the NIR', () => {
    const facts = extractAdtFacts(parseHl7(buildPam('A05', { nir: '', plannedDate: '20250301' })));
    expect(facts.plannedDate).toBe('2025-03-01');
    expect(facts.patientNir).toBeUndefined();
    expect(facts.nir).toBe(SAMPLE_INSURED_NIR);
  });

  it('falls back to ZBE-2 then EVN-6 for the admit date, and has none on A28 without dates', () => {
    const noPv144 = edit(buildPamText('A04', { admitDate: '20250202' }), 'PV1', (f) => {
      f[44] = '';
    });
    expect(extractAdtFacts(parseHl7(noPv144)).admitDate).toBe('2025-02-02');
    const a28 = edit(buildPamText('A28'), 'EVN', (f) => {
      f[6] = '';
    });
    expect(extractAdtFacts(parseHl7(a28)).admitDate).toBeUndefined();
    expect(extractAdtFacts(parseHl7(a28)).birthDate).toBe('1985-12-01');
  });

  it('does not treat an NIA as a NIR', () => {
    const nia = buildPamText('A28').replace('1.2.250.1.213.1.4.10', '1.2.250.1.213.1.4.9');
    expect(extractAdtFacts(parseHl7(nia)).patientNir).toBeUndefined();
  });

  it('keeps the test fixtures recognisable', () => {
    expect(buildPamText('A28')).toContain(SAMPLE_FAMILY);
    expect(SAMPLE_BIRTH_DATE).toBe('19851201');
  });
});

describe('HL7 date types', () => {
  it.each([
    '2025',
    '202501',
    '20250131',
    '2025013114',
    '202501311430',
    '20250131143059',
    '20250131143059.1234',
    '20250131143059+0100',
    '20240229',
  ])('accepts DTM %s', (v) => expect(isHl7Dtm(v)).toBe(true));
  it.each(['', '25', '20251301', '20250230', '20250131246000', '2025-01-31', '20250131143059+1500', '20230229'])('rejects DTM %s', (v) =>
    expect(isHl7Dtm(v)).toBe(false),
  );
  it('DT has no time', () => {
    expect(isHl7Dt('20250131')).toBe(true);
    expect(isHl7Dt('2025013112')).toBe(false);
  });
});
