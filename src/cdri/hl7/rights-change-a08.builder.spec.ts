import { type AmoRightsAnswer } from '../amo-rights.port';
import { ControlIdGenerator } from '../../hl7/control-id';
import { parseHl7 } from '../../hl7/hl7-message';
import { extractAdtFacts, validatePamFr } from '../../hl7/pam-fr-validation';
import { buildRightsChangeA08, type RightsChangeA08Input } from './rights-change-a08.builder';

const NIR = '185129999900196';
const ASSURE_NIR = '260079999900226';
const closed: AmoRightsAnswer = {
  status: 'CLOSED',
  organism: { grandRegime: '01', caisse: '751', centre: '0056', codeGestion: '10' },
  periods: [
    { start: '2025-01-01', end: '2025-02-28' },
    { start: '2024-01-01', end: '2024-12-31' },
  ],
  natureAssurance: 'MA',
  c2s: false,
  ame: false,
  maternity: false,
  insurerReference: 'SIM-CLOSED-20250314',
};
const base: RightsChangeA08Input = {
  nir: NIR,
  ipp: 'IPP-0001',
  visitNumber: 'NDA-0001',
  patientClass: 'I',
  patientName: { family: "DUPONT^D'ARC", given: 'Zoé' },
  change: 'RIGHTS_CLOSED',
  answer: closed,
  controlId: 'PASS-A08-0001',
  sendingApp: 'PASSERELLE',
  sendingFacility: 'PASSERELLE',
  receivingApp: 'GAP-TEST',
  receivingFacility: '990000010',
  insOid: '1.2.250.1.213.1.4.10',
  now: new Date('2025-03-14T08:30:00Z'),
};

describe('buildRightsChangeA08', () => {
  it('builds a PAM FR ADT^A08 that parses back and passes our own validation without any issue', () => {
    const bytes = buildRightsChangeA08(base);
    const msg = parseHl7(bytes);
    expect(msg.segments.map((s) => s.name)).toEqual(['MSH', 'EVN', 'PID', 'PV1', 'OBX', 'OBX', 'IN1']);
    expect(validatePamFr(msg)).toEqual({ event: 'A08', issues: [], ackCode: 'AA', pamFr: true });
    expect(msg.raw('MSH', 1, 9)).toBe('ADT^A08^ADT_A01');
    expect(msg.raw('MSH', 1, 12)).toBe('2.5^FRA^2.11');
    expect(msg.charset).toBe('UNICODE UTF-8');
    expect([msg.field('MSH-3'), msg.field('MSH-4'), msg.field('MSH-5'), msg.field('MSH-6')]).toEqual([
      'PASSERELLE',
      'PASSERELLE',
      'GAP-TEST',
      '990000010',
    ]);
    expect(msg.field('MSH-10')).toBe('PASS-A08-0001');
    expect(msg.field('MSH-11')).toBe('P');
    expect(msg.field('EVN-2')).toMatch(/^20250314\d{6}[+-]\d{4}$/);
  });

  it('identifies the patient (INS-NIR then IPP), the visit, and escapes delimiters in values', () => {
    const msg = parseHl7(buildRightsChangeA08(base));
    expect([msg.field('PID-3[1].1'), msg.field('PID-3[1].4.2'), msg.field('PID-3[1].5')]).toEqual([NIR, '1.2.250.1.213.1.4.10', 'INS']);
    expect([msg.field('PID-3[2].1'), msg.field('PID-3[2].4'), msg.field('PID-3[2].5')]).toEqual(['IPP-0001', 'GAP-TEST', 'PI']);
    expect(msg.field('PID-5')).toBe("DUPONT^D'ARC");
    expect(msg.field('PID-5.2')).toBe('Zoé');
    expect([msg.field('PV1-2'), msg.field('PV1-19'), msg.field('PV1-19.5')]).toEqual(['I', 'NDA-0001', 'VN']);
    const facts = extractAdtFacts(msg);
    expect(facts).toMatchObject({ event: 'A08', patientNir: NIR, insuredNir: NIR, visitNumber: 'NDA-0001', patientClass: 'I' });
  });

  it('carries the updated IN1: plan AMO, organism, current period, code gestion, assuré NIR', () => {
    const msg = parseHl7(buildRightsChangeA08({ ...base, assureNir: ASSURE_NIR }));
    expect(extractAdtFacts(msg).coverages).toEqual([
      {
        planId: 'AMO',
        organism: '017510056',
        rightsStart: '2025-01-01',
        rightsEnd: '2025-02-28',
        codeGestion: '10',
        insuredNir: ASSURE_NIR,
      },
    ]);
  });

  it('says the change kind in a coded OBX, and the insurer reference in a second one', () => {
    const msg = parseHl7(buildRightsChangeA08(base));
    expect(msg.raw('OBX', 1, 3)).toBe('AMO-RIGHTS-CHANGE^Changement des droits AMO (CDRi)^L');
    expect([msg.field('OBX-2'), msg.field('OBX-5'), msg.field('OBX-5.2'), msg.field('OBX-5.3'), msg.field('OBX-11')]).toEqual([
      'CWE',
      'RIGHTS_CLOSED',
      'Droits AMO fermés',
      'L',
      'F',
    ]);
    expect([msg.field('OBX[2]-2'), msg.field('OBX[2]-3'), msg.field('OBX[2]-5')]).toEqual(['ST', 'AMO-INSURER-REF', 'SIM-CLOSED-20250314']);
  });

  it('builds a minimal message for an unknown patient: class N, no visit, IN1 without organism (= unchanged)', () => {
    const msg = parseHl7(
      buildRightsChangeA08({
        ...base,
        ipp: undefined,
        visitNumber: undefined,
        patientClass: undefined,
        change: 'UNKNOWN_PATIENT',
        insOid: undefined,
        answer: { status: 'UNKNOWN_PATIENT', periods: [], c2s: false, ame: false, maternity: false, insurerReference: 'SIM-UNKNOWN-1' },
      }),
    );
    expect(validatePamFr(msg).issues).toEqual([]);
    expect(msg.repetitionCount('PID', 1, 3)).toBe(1);
    expect(msg.field('PID-3.4.2')).toBe('1.2.250.1.213.1.4.8');
    expect([msg.field('PV1-2'), msg.field('PV1-19')]).toEqual(['N', '']);
    expect(msg.field('OBX-5')).toBe('UNKNOWN_PATIENT');
    expect(extractAdtFacts(msg).coverages).toEqual([{ planId: 'AMO', insuredNir: NIR }]);
  });

  it('without a name, PID-5 stays empty — and PAM validation says so (the caller should pass the name)', () => {
    const msg = parseHl7(buildRightsChangeA08({ ...base, patientName: undefined, change: 'ORGANISM_CHANGED', answer: undefined }));
    expect(validatePamFr(msg).issues.map((i) => `${i.segment}-${i.field} ${i.code}`)).toEqual(['PID-5 101']);
    expect(msg.segmentsNamed('OBX')).toHaveLength(1);
    expect(extractAdtFacts(msg).coverages).toEqual([{ planId: 'AMO', insuredNir: NIR }]);
  });

  it('takes its MSH-10 from a generator and refuses malformed input', () => {
    const ids = new ControlIdGenerator();
    const a = parseHl7(buildRightsChangeA08({ ...base, controlId: ids.next() })).field('MSH-10');
    const b = parseHl7(buildRightsChangeA08({ ...base, controlId: ids.next() })).field('MSH-10');
    expect(a).not.toBe(b);
    expect(() => buildRightsChangeA08({ ...base, nir: '123' })).toThrow(/nir/);
    expect(() => buildRightsChangeA08({ ...base, controlId: 'x'.repeat(21) })).toThrow(/controlId/);
    expect(() => buildRightsChangeA08({ ...base, change: 'OTHER' as never })).toThrow(/change/);
  });

  it('keeps every segment whole when a name carries control characters and delimiters (a CSV name)', () => {
    const family = 'DUPONT\r\nPV1|9|X\u0000';
    const given = 'A^B~C\\D&E\u0007';
    const bytes = buildRightsChangeA08({ ...base, patientName: { family, given }, ipp: 'IPP\r1', visitNumber: 'V\n1' });
    const text = bytes.toString('utf8');
    // Only the segment separators are CRs; no LF, no other control character anywhere.
    expect(
      text
        .split('\r')
        .filter(Boolean)
        .map((l) => l.slice(0, 3)),
    ).toEqual(['MSH', 'EVN', 'PID', 'PV1', 'OBX', 'OBX', 'IN1']);
    // eslint-disable-next-line no-control-regex -- checking that none is left
    expect(/[\u0000-\u000c\u000e-\u001f\u007f]/.test(text)).toBe(false);
    const msg = parseHl7(bytes);
    expect(msg.get('PID', 1, 5, 1, 1)).toBe('DUPONT  PV1|9|X ');
    expect(msg.get('PID', 1, 5, 1, 2)).toBe('A^B~C\\D&E ');
    expect(msg.field('PID-3[2]')).toBe('IPP 1');
    expect(msg.field('PV1-19')).toBe('V 1');
    expect(validatePamFr(msg).issues).toEqual([]);
  });
});
