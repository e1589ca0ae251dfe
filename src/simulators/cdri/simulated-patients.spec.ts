import { type AmoRightsQuery } from '../../cdri/amo-rights.port';
import { validateNir } from '../../identifiers';
import {
  FAMILY_TWINS_BIRTH_DATE,
  SLOW_SCENARIO_DELAY_MS,
  assureBirthDateOf,
  makeTestNir,
  scenarioOf,
  simulateRights,
} from './simulated-patients';

const query = (order: number, extra: Partial<AmoRightsQuery> = {}): AmoRightsQuery => ({
  nir: makeTestNir({ order }),
  dateOfCare: '2025-03-14',
  finess: '750000010',
  correlationId: 'c',
  ...extra,
});

function answerOf(q: AmoRightsQuery) {
  const outcome = simulateRights(q);
  if (outcome.kind !== 'answer') throw new Error(`expected an answer, got ${outcome.kind}`);
  return outcome.answer;
}

describe('makeTestNir', () => {
  it('builds valid NIRs with the requested parts', () => {
    const nir = makeTestNir({ sex: 2, year: 1995, month: 12, dept: '2B', commune: 33, order: 640 });
    expect(validateNir(nir)).toEqual({ ok: true });
    expect(nir.slice(0, 13)).toBe('295122B033640');
  });

  it('refuses impossible parts', () => {
    expect(() => makeTestNir({ month: 13 })).toThrow(/month/);
    expect(() => makeTestNir({ order: 0 })).toThrow(/ordre/);
  });
});

describe('simulateRights', () => {
  it('maps every range of the table to its scenario', () => {
    const expected: Array<[number, string]> = [
      [1, 'OPEN'],
      [399, 'OPEN'],
      [400, 'CLOSED'],
      [449, 'CLOSED'],
      [450, 'ALD'],
      [500, 'C2S'],
      [550, 'AME'],
      [580, 'MATERNITY'],
      [610, 'ATMP'],
      [640, 'FAMILY'],
      [670, 'MSA'],
      [690, 'SPECIAL'],
      [700, 'OPEN'],
      [899, 'OPEN'],
      [900, 'UNKNOWN'],
      [950, 'FAULT'],
      [960, 'HTTP_500'],
      [970, 'SLOW'],
      [980, 'RATE_LIMITED'],
      [985, 'OPEN'],
      [999, 'OPEN'],
    ];
    for (const [order, scenario] of expected) expect([order, scenarioOf(makeTestNir({ order }))]).toEqual([order, scenario]);
  });

  it('is deterministic and derives the organism from the birthplace', () => {
    expect(simulateRights(query(1))).toEqual(simulateRights(query(1)));
    expect(answerOf(query(1)).organism).toEqual({ grandRegime: '01', caisse: '751', centre: '0056', codeGestion: '10' });
    const corsican = answerOf(query(1, { nir: makeTestNir({ dept: '2A', commune: 4 }) }));
    expect(corsican.organism?.caisse).toBe('201');
    const abroad = answerOf(query(1, { nir: makeTestNir({ dept: '99', commune: 350 }) }));
    expect(abroad.organism?.caisse).toBe('751');
  });

  it('closes rights at the end of the month before the date of care', () => {
    const a = answerOf(query(400));
    expect(a.status).toBe('CLOSED');
    expect(a.periods).toEqual([{ start: '2024-01-01', end: '2025-02-28' }]);
  });

  it('serves the special scenarios', () => {
    expect(answerOf(query(450)).exoneration).toEqual({ code: '4', label: 'ALD', end: '2026-12-31' });
    expect(answerOf(query(500)).c2s).toBe(true);
    expect(answerOf(query(550))).toMatchObject({ ame: true, organism: { grandRegime: '01' } });
    expect(answerOf(query(580))).toMatchObject({ natureAssurance: 'MT', maternity: true });
    expect(answerOf(query(610)).atmp).toEqual({ reference: 'AT-SIM-20250314', date: '2025-03-04' });
    expect(answerOf(query(670)).organism?.grandRegime).toBe('02');
    expect(answerOf(query(900)).status).toBe('UNKNOWN_PATIENT');
    expect(simulateRights(query(950))).toMatchObject({ kind: 'fault', code: 'REQUETE_INVALIDE' });
    expect(simulateRights(query(960))).toEqual({ kind: 'http', status: 500 });
    expect(simulateRights(query(970))).toMatchObject({ kind: 'answer', delayMs: SLOW_SCENARIO_DELAY_MS });
    expect(simulateRights(query(980))).toEqual({ kind: 'http', status: 429, retryAfterSeconds: 1 });
  });

  it('lists, then picks, beneficiaries under one assuré', () => {
    expect(answerOf(query(640)).beneficiaries).toHaveLength(4);
    expect(answerOf(query(640, { birthDate: FAMILY_TWINS_BIRTH_DATE })).beneficiaries).toHaveLength(2);
    expect(answerOf(query(640, { birthDate: FAMILY_TWINS_BIRTH_DATE, birthRank: 2 })).beneficiaries).toEqual([
      { rank: 2, birthDate: FAMILY_TWINS_BIRTH_DATE, quality: '06' },
    ]);
    const assure = assureBirthDateOf(makeTestNir({ order: 640 }), '2025-03-14');
    expect(assure).toBe('1980-01-15');
    expect(answerOf(query(640, { birthDate: assure })).beneficiaries).toEqual([{ rank: 1, birthDate: assure, quality: '00' }]);
    expect(answerOf(query(640, { birthDate: '1999-09-09' })).status).toBe('UNKNOWN_PATIENT');
  });

  it('rejects invalid identifiers with a Sender fault that does not echo them', () => {
    const nir = makeTestNir({ order: 1 });
    const badKey = nir.slice(0, 13) + (nir.endsWith('01') ? '02' : '01');
    const outcome = simulateRights(query(1, { nir: badKey }));
    expect(outcome).toMatchObject({ kind: 'fault', code: 'NIR_INVALIDE' });
    expect(JSON.stringify(outcome)).not.toContain(badKey.slice(0, 13));
    expect(simulateRights(query(1, { finess: '750000011' }))).toMatchObject({ kind: 'fault', code: 'REQUETE_INVALIDE' });
  });

  it('never puts any part of the NIR in the insurer reference', () => {
    const nir = makeTestNir({ order: 123, commune: 789 });
    expect(answerOf(query(1, { nir })).insurerReference).toBe('SIM-OPEN-20250314');
  });
});
