/**
 * Deterministic simulated patients for the CDRi simulator: the answer is a pure function of the query,
 * so tests, demos and load runs can pick a scenario just by choosing a TEST NIR.
 *
 * The scenario comes from the numéro d'ordre = NIR positions 11-13 (1-based):
 *
 * | ordre   | scenario      | answer                                                                                  |
 * |---------|---------------|-----------------------------------------------------------------------------------------|
 * | 001-399 | OPEN          | OPEN, régime général 01, caisse/centre from birth department/commune, nature MA         |
 * | 400-449 | CLOSED        | CLOSED, rights ended on the last day of the month before the date of care               |
 * | 450-499 | ALD           | OPEN + exonération code 4 "ALD", until 31 Dec of the following year                     |
 * | 500-549 | C2S           | OPEN + C2S                                                                              |
 * | 550-579 | AME           | OPEN + AME, régime 01 (AME is run by the CPAM), rights = calendar year of care          |
 * | 580-609 | MATERNITY     | OPEN, nature MT, maternité, exonération code 3 "Maternité"                              |
 * | 610-639 | ATMP          | OPEN, nature AT, AT/MP reference AT-SIM-<yyyymmdd>, accident 10 days before care        |
 * | 640-669 | FAMILY        | 4 beneficiaries under the assuré (see FAMILY below); pick by birth date (+ rank)        |
 * | 670-689 | MSA           | OPEN, grand régime 02 (MSA)                                                             |
 * | 690-699 | SPECIAL       | OPEN, grand régime 04 (régime spécial)                                                  |
 * | 700-899 | OPEN          | as 001-399                                                                              |
 * | 900-949 | UNKNOWN       | UNKNOWN_PATIENT, no organism, no period                                                 |
 * | 950-959 | FAULT         | SOAP Fault REQUETE_INVALIDE (Sender, HTTP 400)                                          |
 * | 960-969 | HTTP_500      | HTTP 500, plain-text body (no SOAP: a broken front end)                                 |
 * | 970-979 | SLOW          | OPEN after 30 s (beyond any sane timeout)                                               |
 * | 980-984 | RATE_LIMITED  | HTTP 429, Retry-After: 1                                                                |
 * | 985-999 | OPEN          | as 001-399                                                                              |
 * | any     | (invalid NIR) | SOAP Fault NIR_INVALIDE; bad FINESS/dates → REQUETE_INVALIDE (both Sender, HTTP 400)   |
 *
 * Derivations: caisse = birth department + "1" ("751" Paris; 2A/20 → "201", 2B → "202"; DOM 97x → "97x";
 * born abroad/overseas territories (96, 98, 99) → "751"); centre = "0" + commune (positions 8-10);
 * code gestion "10". Open periods start on 1 Jan of the year before the date of care, open-ended.
 * FAMILY: assuré (qualité 00, born on the 15th of the NIR's month/year, month 01 when unknown),
 * conjoint (02, 1984-02-20), twins (06, 2016-06-15, ranks 1 and 2). Without a birth date the whole
 * list comes back; with one (and a rank for the twins) only the matching beneficiary; no match →
 * UNKNOWN_PATIENT. Codes (qualité, exonération, régimes other than 01/02) are [modelled].
 * insurerReference = SIM-<scenario>-<yyyymmdd of care>: it never carries any part of the NIR.
 */
import { type AmoOrganism, type AmoRightsAnswer, type AmoRightsQuery } from '../../cdri/amo-rights.port';
import { computeNirKey, isIsoDate, isValidFiness, validateNir } from '../../identifiers';
import { type CdriFaultCode } from '../../cdri/soap/cdri-soap.codec';

export const SLOW_SCENARIO_DELAY_MS = 30_000;

export type SimulatedScenario =
  | 'OPEN'
  | 'CLOSED'
  | 'ALD'
  | 'C2S'
  | 'AME'
  | 'MATERNITY'
  | 'ATMP'
  | 'FAMILY'
  | 'MSA'
  | 'SPECIAL'
  | 'UNKNOWN'
  | 'FAULT'
  | 'HTTP_500'
  | 'SLOW'
  | 'RATE_LIMITED';

export type SimulatedOutcome =
  | { kind: 'answer'; answer: AmoRightsAnswer; delayMs?: number }
  | { kind: 'fault'; code: CdriFaultCode; text: string }
  | { kind: 'http'; status: number; retryAfterSeconds?: number };

const RANGES: Array<[number, number, SimulatedScenario]> = [
  [1, 399, 'OPEN'],
  [400, 449, 'CLOSED'],
  [450, 499, 'ALD'],
  [500, 549, 'C2S'],
  [550, 579, 'AME'],
  [580, 609, 'MATERNITY'],
  [610, 639, 'ATMP'],
  [640, 669, 'FAMILY'],
  [670, 689, 'MSA'],
  [690, 699, 'SPECIAL'],
  [900, 949, 'UNKNOWN'],
  [950, 959, 'FAULT'],
  [960, 969, 'HTTP_500'],
  [970, 979, 'SLOW'],
  [980, 984, 'RATE_LIMITED'],
];

/** Scenario of a (valid) NIR, from its numéro d'ordre. */
export function scenarioOf(nir: string): SimulatedScenario {
  const order = Number(nir.slice(10, 13));
  for (const [from, to, scenario] of RANGES) if (order >= from && order <= to) return scenario;
  return 'OPEN';
}

/** Retry-After of the RATE_LIMITED scenario (the simulator's rateLimitedRetryAfterSeconds overrides it). */
export const RATE_LIMITED_RETRY_AFTER_SECONDS = 1;

export const FAMILY_SPOUSE_BIRTH_DATE = '1984-02-20';
export const FAMILY_TWINS_BIRTH_DATE = '2016-06-15';

function caisseOf(nir: string): string {
  const dept = nir.slice(5, 7);
  if (dept === '2A' || dept === '20') return '201';
  if (dept === '2B') return '202';
  if (dept === '97') return nir.slice(5, 8);
  if (dept === '96' || dept === '98' || dept === '99') return '751';
  return dept + '1';
}

/** Organism the simulated insurer files this NIR under (also used by the AMO simulator's payment rules). */
export function organismOf(nir: string, grandRegime: string): AmoOrganism {
  return { grandRegime, caisse: caisseOf(nir), centre: '0' + nir.slice(7, 10), codeGestion: '10' };
}

function utcDate(y: number, m: number, d: number): string {
  return new Date(Date.UTC(y, m - 1, d)).toISOString().slice(0, 10);
}

/** Assuré's birth date as the simulator's insurer knows it (see table). */
export function assureBirthDateOf(nir: string, dateOfCare: string): string {
  const yy = Number(nir.slice(1, 3));
  const month = Number(nir.slice(3, 5));
  const century = yy > Number(dateOfCare.slice(2, 4)) ? 1900 : 2000;
  return utcDate(century + yy, month >= 1 && month <= 12 ? month : 1, 15);
}

function familyOutcome(query: AmoRightsQuery, base: AmoRightsAnswer): AmoRightsAnswer {
  const all = [
    { rank: 1, birthDate: assureBirthDateOf(query.nir, query.dateOfCare), quality: '00' },
    { rank: 1, birthDate: FAMILY_SPOUSE_BIRTH_DATE, quality: '02' },
    { rank: 1, birthDate: FAMILY_TWINS_BIRTH_DATE, quality: '06' },
    { rank: 2, birthDate: FAMILY_TWINS_BIRTH_DATE, quality: '06' },
  ];
  if (query.birthDate === undefined) return { ...base, beneficiaries: all };
  const matches = all.filter((b) => b.birthDate === query.birthDate && (query.birthRank === undefined || b.rank === query.birthRank));
  if (matches.length === 0) return unknownPatient(base.insurerReference.replace('FAMILY', 'UNKNOWN'));
  return { ...base, beneficiaries: matches };
}

function unknownPatient(insurerReference: string): AmoRightsAnswer {
  return { status: 'UNKNOWN_PATIENT', periods: [], c2s: false, ame: false, maternity: false, insurerReference };
}

function invalid(query: AmoRightsQuery): SimulatedOutcome | undefined {
  const nir = validateNir(query.nir);
  if (!nir.ok) return { kind: 'fault', code: 'NIR_INVALIDE', text: `bénéficiaire: ${nir.reason}` };
  if (query.assureNir !== undefined) {
    const assure = validateNir(query.assureNir);
    if (!assure.ok) return { kind: 'fault', code: 'NIR_INVALIDE', text: `assuré: ${assure.reason}` };
  }
  if (!isValidFiness(query.finess)) return { kind: 'fault', code: 'REQUETE_INVALIDE', text: 'FINESS invalide' };
  if (!isIsoDate(query.dateOfCare)) return { kind: 'fault', code: 'REQUETE_INVALIDE', text: 'date de soins invalide' };
  if (query.birthDate !== undefined && !isIsoDate(query.birthDate)) {
    return { kind: 'fault', code: 'REQUETE_INVALIDE', text: 'date de naissance invalide' };
  }
  return undefined;
}

/** The simulated insurer's decision for one query. Pure: same query, same outcome. */
export function simulateRights(query: AmoRightsQuery): SimulatedOutcome {
  const rejected = invalid(query);
  if (rejected) return rejected;
  const scenario = scenarioOf(query.nir);
  const [y, m] = [Number(query.dateOfCare.slice(0, 4)), Number(query.dateOfCare.slice(5, 7))];
  const reference = `SIM-${scenario}-${query.dateOfCare.replace(/-/g, '')}`;
  const open: AmoRightsAnswer = {
    status: 'OPEN',
    organism: organismOf(query.nir, '01'),
    periods: [{ start: utcDate(y - 1, 1, 1) }],
    natureAssurance: 'MA',
    c2s: false,
    ame: false,
    maternity: false,
    insurerReference: reference,
  };
  switch (scenario) {
    case 'CLOSED':
      return { kind: 'answer', answer: { ...open, status: 'CLOSED', periods: [{ start: utcDate(y - 1, 1, 1), end: utcDate(y, m, 0) }] } };
    case 'ALD':
      return { kind: 'answer', answer: { ...open, exoneration: { code: '4', label: 'ALD', end: utcDate(y + 1, 12, 31) } } };
    case 'C2S':
      return { kind: 'answer', answer: { ...open, c2s: true } };
    case 'AME':
      return { kind: 'answer', answer: { ...open, ame: true, periods: [{ start: utcDate(y, 1, 1), end: utcDate(y, 12, 31) }] } };
    case 'MATERNITY':
      return {
        kind: 'answer',
        answer: { ...open, natureAssurance: 'MT', maternity: true, exoneration: { code: '3', label: 'Maternité' } },
      };
    case 'ATMP': {
      const accident = new Date(Date.parse(query.dateOfCare) - 10 * 86_400_000).toISOString().slice(0, 10);
      return {
        kind: 'answer',
        answer: { ...open, natureAssurance: 'AT', atmp: { reference: `AT-SIM-${query.dateOfCare.replace(/-/g, '')}`, date: accident } },
      };
    }
    case 'FAMILY':
      return { kind: 'answer', answer: familyOutcome(query, open) };
    case 'MSA':
      return { kind: 'answer', answer: { ...open, organism: organismOf(query.nir, '02') } };
    case 'SPECIAL':
      return { kind: 'answer', answer: { ...open, organism: organismOf(query.nir, '04') } };
    case 'UNKNOWN':
      return { kind: 'answer', answer: unknownPatient(reference) };
    case 'FAULT':
      return { kind: 'fault', code: 'REQUETE_INVALIDE', text: 'requête invalide (scénario simulé)' };
    case 'HTTP_500':
      return { kind: 'http', status: 500 };
    case 'SLOW':
      return { kind: 'answer', answer: open, delayMs: SLOW_SCENARIO_DELAY_MS };
    case 'RATE_LIMITED':
      return { kind: 'http', status: 429, retryAfterSeconds: RATE_LIMITED_RETRY_AFTER_SECONDS };
    default:
      return { kind: 'answer', answer: open };
  }
}

export interface TestNirParts {
  /** 1/2 (3, 4, 7, 8 allowed). */
  sex: number;
  /** Two-digit year (a four-digit one is cut to its last two digits). */
  year: number;
  /** 01-12, or 20-42/50-99 for an unknown month. */
  month: number;
  /** '75', '2A', '99'… */
  dept: string;
  commune: number;
  /** Numéro d'ordre 1-999: chooses the scenario (see table). */
  order: number;
}

/** A valid TEST NIR with its computed key (test identities only, never a real person's on purpose). */
export function makeTestNir(parts: Partial<TestNirParts> = {}): string {
  const p: TestNirParts = { sex: 1, year: 80, month: 1, dept: '75', commune: 56, order: 1, ...parts };
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  const body = `${p.sex}${pad(p.year % 100, 2)}${pad(p.month, 2)}${p.dept}${pad(p.commune, 3)}${pad(p.order, 3)}`;
  const nir = body + computeNirKey(body);
  const check = validateNir(nir);
  if (!check.ok) throw new Error(`makeTestNir: ${check.reason}`);
  return nir;
}
