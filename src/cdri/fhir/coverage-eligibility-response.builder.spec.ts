import { expectValidFhir } from '../../../tests/support/fhir-schema';
import { type AmoRightsAnswer } from '../amo-rights.port';
import { type RightsCheck } from '../rights-check.store';
import { makeTestNir } from '../../simulators/cdri/simulated-patients';
import { buildEligibilityResponse } from './coverage-eligibility-response.builder';
import { NIR_SYSTEMS } from '../../fhir/fhir-systems';

const open: AmoRightsAnswer = {
  status: 'OPEN',
  organism: { grandRegime: '01', caisse: '751', centre: '0001', codeGestion: '10' },
  periods: [{ start: '2026-01-01', end: '2026-12-31' }],
  natureAssurance: 'MA',
  exoneration: { code: '4', label: 'ALD' },
  atmp: { reference: 'AT-123', date: '2026-03-01' },
  c2s: true,
  ame: false,
  maternity: false,
  insurerReference: 'REF-1',
};

const check = (over: Partial<RightsCheck>): RightsCheck => ({
  id: '5d0c6a51-0000-4000-8000-000000000001',
  source: 'fhir',
  requestedBy: 'kiosk-1',
  idempotencyKey: null,
  correlationId: 'c',
  nir: makeTestNir({ order: 901 }),
  assureNir: null,
  birthDate: null,
  dateOfCare: '2026-11-24',
  finess: '750000001',
  state: 'answered',
  rightsStatus: 'OPEN',
  answer: open,
  errorCode: null,
  errorMessage: null,
  attempts: 1,
  requestedAt: new Date('2026-11-24T08:00:00Z'),
  answeredAt: new Date('2026-11-24T08:00:01Z'),
  expiresAt: new Date('2026-11-24T20:00:00Z'),
  ...over,
});

describe('buildEligibilityResponse', () => {
  const now = new Date('2026-11-24T09:00:00Z');
  it.each<[string, Partial<RightsCheck>]>([
    ['open rights with every coverage detail', {}],
    [
      'open rights, open-ended period, no organism or exoneration',
      {
        answer: {
          ...open,
          organism: undefined,
          exoneration: undefined,
          atmp: undefined,
          natureAssurance: undefined,
          periods: [{ start: '2026-01-01' }],
        },
      },
    ],
    ['closed rights, no period', { rightsStatus: 'CLOSED', answer: { ...open, status: 'CLOSED', periods: [] } }],
    [
      'an unknown patient',
      {
        rightsStatus: 'UNKNOWN_PATIENT',
        answer: { status: 'UNKNOWN_PATIENT', periods: [], c2s: false, ame: false, maternity: false, insurerReference: 'R' },
      },
    ],
    ['an expired stored answer', { expiresAt: new Date('2026-11-24T08:30:00Z') }],
    ['a pending check', { state: 'pending', rightsStatus: null, answer: null, answeredAt: null, expiresAt: null }],
    [
      'a failed check',
      {
        state: 'failed',
        rightsStatus: null,
        answer: null,
        answeredAt: null,
        expiresAt: null,
        errorCode: 'INSURER_TIMEOUT',
        errorMessage: 'no answer in 10 s',
      },
    ],
    [
      'a failed check without a message',
      { state: 'failed', rightsStatus: null, answer: null, answeredAt: null, expiresAt: null, errorCode: 'INSURER_REFUSED' },
    ],
  ])('is valid FHIR R4 for %s', (_what, over) => {
    expectValidFhir(buildEligibilityResponse(check(over), undefined, now));
  });

  it('is valid FHIR R4 with the patient reference of the $submit request', () => {
    expectValidFhir(
      buildEligibilityResponse(check({}), { identifier: { system: NIR_SYSTEMS.testNir, value: makeTestNir({ order: 901 }) } }, now),
    );
  });
});
