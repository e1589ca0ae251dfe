/**
 * Who is billed and by whom: NIR + key of the insured and of the beneficiary, FINESS check digits, rank and birth
 * date. A wrong NIR or key is the insurer's most common "unknown beneficiary" reject, and it is certain before
 * sending, so it holds the invoice.
 */
import { computeNirKey, isIsoDate, isValidFiness, validateNir } from '../../../identifiers';
import type { InvoiceDraft } from '../../invoice-draft';
import { hitAt, type PreflightRule, type RuleHit } from '../preflight-rule';

/** The draft keeps the 13-character body and the key apart, as B2 writes them; src/identifiers checks all 15. */
export const fullNir = (body: string | undefined, key: string | undefined): string => `${body ?? ''}${key ?? ''}`;

const NIR_BODY = /^\d{5}(\d{2}|2[AB])\d{6}$/;

/**
 * NIR and key as a pair, one finding for one mistake: a body that is no NIR (length, characters, sex, month,
 * department, order) is reported on the NIR with src/identifiers' reason (which names the part, never the value);
 * a good body with a key that does not match, on the key.
 */
function nirHits(body: string | undefined, key: string | undefined, bodyPath: string, keyPath: string, what: 'body' | 'key'): RuleHit[] {
  const bodyCheck =
    body !== undefined && NIR_BODY.test(body)
      ? validateNir(body + computeNirKey(body))
      : { ok: false as const, reason: 'the NIR body is 13 characters: digits, 2A/2B as department at positions 6-7' };
  if (!bodyCheck.ok) return what === 'body' ? [{ field: bodyPath, params: { detail: bodyCheck.reason } }] : [];
  if (what === 'body') return [];
  return key === computeNirKey(body as string) ? [] : [hitAt(keyPath)];
}

/** The earliest date of care the draft gives (lines, else stay start). */
export function earliestCareDate(d: InvoiceDraft): string | undefined {
  const dates = [...d.lines.map((l) => l.careDate), d.stay.start].filter((x): x is string => x !== undefined && isIsoDate(x));
  return dates.sort()[0];
}

export const IDENTITY_RULES: readonly PreflightRule[] = [
  {
    code: 'PF-NIR',
    field: 'patient.insuredNir',
    severity: 'error',
    message: '{field}: not a valid insured NIR ({detail})',
    check: ({ draft: d }) => nirHits(d.patient.insuredNir, d.patient.insuredNirKey, 'patient.insuredNir', 'patient.insuredNirKey', 'body'),
  },
  {
    code: 'PF-NIR-KEY',
    field: 'patient.insuredNirKey',
    severity: 'error',
    message: '{field}: the key does not match the insured NIR',
    check: ({ draft: d }) => nirHits(d.patient.insuredNir, d.patient.insuredNirKey, 'patient.insuredNir', 'patient.insuredNirKey', 'key'),
  },
  {
    code: 'PF-BENEFICIARY-NIR',
    field: 'patient.beneficiaryNir',
    severity: 'error',
    message: '{field}: not a valid NIR for the beneficiary ({detail})',
    check: ({ draft: { patient: p } }) => {
      if (p.beneficiaryNir === undefined)
        return p.beneficiaryNirKey !== undefined
          ? [{ field: 'patient.beneficiaryNir', params: { detail: 'a key is given without the NIR' } }]
          : [];
      return nirHits(p.beneficiaryNir, p.beneficiaryNirKey, 'patient.beneficiaryNir', 'patient.beneficiaryNirKey', 'body');
    },
  },
  {
    code: 'PF-BENEFICIARY-NIR-KEY',
    field: 'patient.beneficiaryNirKey',
    severity: 'error',
    message: "{field}: the key does not match the beneficiary's NIR",
    check: ({ draft: { patient: p } }) =>
      p.beneficiaryNir === undefined
        ? []
        : nirHits(p.beneficiaryNir, p.beneficiaryNirKey, 'patient.beneficiaryNir', 'patient.beneficiaryNirKey', 'key'),
  },
  {
    code: 'PF-FINESS-GEO',
    field: 'geographicFiness',
    severity: 'error',
    message: '{field}: the FINESS géographique is not 9 characters with a valid check digit',
    check: ({ draft: d }) => (isValidFiness(d.geographicFiness) ? [] : [hitAt('geographicFiness')]),
  },
  {
    code: 'PF-FINESS-LEGAL',
    field: 'legalFiness',
    severity: 'error',
    // The juridique is configuration, checked at boot too; here it guards a context built another way (tests, replays).
    message: '{field}: the FINESS juridique is not 9 characters with a valid check digit',
    check: ({ ctx }) => (ctx.legalFiness === undefined || isValidFiness(ctx.legalFiness) ? [] : [hitAt('legalFiness')]),
  },
  {
    code: 'PF-FINESS-DECLARED',
    field: 'declaredFiness',
    severity: 'warning',
    // Not written in B2 (audit only), so a bad one does not stop the invoice; it says the source is suspect.
    message: '{field}: the FINESS the source declared is not 9 characters with a valid check digit',
    check: ({ draft: d }) => (d.declaredFiness === undefined || isValidFiness(d.declaredFiness) ? [] : [hitAt('declaredFiness')]),
  },
  {
    code: 'PF-RANK',
    field: 'patient.beneficiaryRank',
    severity: 'error',
    message: '{field}: the rank of the beneficiary is 3 digits',
    check: ({ draft: d }) =>
      d.patient.beneficiaryRank === undefined || /^\d{3}$/.test(d.patient.beneficiaryRank) ? [] : [hitAt('patient.beneficiaryRank')],
  },
  {
    code: 'PF-RANK-REGIME',
    field: 'patient.beneficiaryRank',
    severity: 'error',
    // [public: BILLING.md, B2 type 2 position 27] the régime général (01) writes rank 000: every beneficiary there has
    // a NIR of their own, so a rank says the GAP took it from another régime's card.
    message: '{field}: under grand régime 01 the rank of the beneficiary is 000',
    check: ({ draft: d }) =>
      d.coverage.grandRegime === '01' && d.patient.beneficiaryRank !== undefined && d.patient.beneficiaryRank !== '000'
        ? [hitAt('patient.beneficiaryRank')]
        : [],
  },
  {
    code: 'PF-BIRTH-RANK',
    field: 'patient.birthRank',
    severity: 'error',
    message: '{field}: the rank of birth is one digit, 1 to 9',
    check: ({ draft: d }) => (d.patient.birthRank === undefined || /^[1-9]$/.test(d.patient.birthRank) ? [] : [hitAt('patient.birthRank')]),
  },
  {
    code: 'PF-BIRTH-DATE',
    field: 'patient.birthDate',
    severity: 'error',
    // Missing is PF-MANDATORY's finding (B2 type 2 birthDate is mandatory): one mistake, one finding.
    message: '{field}: the birth date is not a real day, or is after the first date of care',
    check: ({ draft: d }) => {
      const birth = d.patient.birthDate;
      if (birth === undefined) return [];
      if (!isIsoDate(birth)) return [hitAt('patient.birthDate')];
      const care = earliestCareDate(d);
      return care !== undefined && birth > care ? [hitAt('patient.birthDate')] : [];
    },
  },
  {
    code: 'PF-BIRTH-NIR',
    field: 'patient.birthDate',
    severity: 'warning',
    // A NIR carries the year and month of birth of its holder. Only the beneficiary's own NIR is compared: an ayant
    // droit under the insured's NIR was born another year. A warning: INSEE's "unknown month" ranges and late
    // civil-status corrections make a mismatch possible on a right NIR.
    message: "{field}: the birth date's year and month differ from those in the beneficiary's NIR",
    check: ({ draft: { patient: p } }) => {
      if (p.beneficiaryNir === undefined || p.birthDate === undefined || !isIsoDate(p.birthDate)) return [];
      if (!/^\d{5}/.test(p.beneficiaryNir)) return [];
      const month = Number(p.beneficiaryNir.slice(3, 5));
      if (month < 1 || month > 12) return [];
      const same = p.beneficiaryNir.slice(1, 3) === p.birthDate.slice(2, 4) && month === Number(p.birthDate.slice(5, 7));
      return same ? [] : [hitAt('patient.birthDate')];
    },
  },
];
