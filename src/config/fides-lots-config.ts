import { isValidFiness } from '../identifiers';
import { type ConfigReader } from './config-readers';

/** B2 lots (issue 9 §3): who emits, how big, when they close, where each caisse's lots go. */
export interface FidesLotsConfig {
  /** FINESS juridique of the legal entity: the emitter of every B2 file (FIDES_EMITTER_FINESS, else ESTABLISHMENT_FINESS). */
  emitterFiness: string;
  maxInvoicesPerLot: number;
  /** Daily cut-off, HH:MM in `timeZone`, and per-FINESS géographique overrides. */
  cutoff: string;
  cutoffByFiness: ReadonlyMap<string, string>;
  timeZone: string;
  /** JSON file: caisse → transport recipient id (src/fides/lots/lot-recipients-directory.ts); absent = nothing is routed. */
  recipientsFile?: string;
  /** A lot `sent` this long without an ARL is overdue (metric, /health, GET /fides/lots?arl=overdue). */
  arlAlertHours: number;
  /** How often the closing, hand-over and follow-up sweep runs in each worker process. */
  sweepIntervalMs: number;
  /** T = test file, R = real (written in the modelled file header). */
  testIndicator: 'T' | 'R';
  /** What B2 needs that no invoice carries (src/fides/lots/b2-invoice-context.ts), the same for every establishment here. */
  b2Context: {
    rightsProofNature: string;
    exitHour: string;
    priorAgreementCode: string;
    prescriberSpecialty: string;
    activityDomain: string;
  };
}

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

export function readFidesLotsConfig(r: ConfigReader): FidesLotsConfig {
  const emitterFiness = r.optionalString('FIDES_EMITTER_FINESS') ?? r.string('ESTABLISHMENT_FINESS');
  r.check(isValidFiness(emitterFiness), 'FIDES_EMITTER_FINESS: not a valid FINESS (9 characters, check digit)');
  const cutoff = r.string('FIDES_LOT_CUTOFF');
  r.check(HHMM.test(cutoff), 'FIDES_LOT_CUTOFF: must be HH:MM (00:00 to 23:59)');
  const cutoffByFiness = new Map<string, string>();
  for (const entry of (r.optionalString('FIDES_LOT_CUTOFF_BY_FINESS') ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const [finess, time, ...rest] = entry.split('=');
    const ok = rest.length === 0 && isValidFiness(finess ?? '') && HHMM.test(time ?? '');
    r.check(ok, 'FIDES_LOT_CUTOFF_BY_FINESS: each entry must be finess=HH:MM with a valid FINESS');
    if (ok) cutoffByFiness.set(finess, time);
  }
  const timeZone = r.string('FIDES_LOT_TIMEZONE');
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    r.check(false, 'FIDES_LOT_TIMEZONE: unknown time zone');
  }
  return {
    emitterFiness,
    maxInvoicesPerLot: r.int('FIDES_MAX_INVOICES_PER_LOT', 1, 10000),
    cutoff,
    cutoffByFiness,
    timeZone,
    recipientsFile: r.file('FIDES_RECIPIENTS_FILE'),
    arlAlertHours: r.int('FIDES_ARL_ALERT_HOURS', 1, 24 * 31),
    sweepIntervalMs: r.int('FIDES_LOT_SWEEP_INTERVAL_MS', 100, 3600000),
    testIndicator: r.oneOf('FIDES_B2_TEST_INDICATOR', ['T', 'R'] as const),
    b2Context: {
      rightsProofNature: r.string('FIDES_B2_RIGHTS_PROOF_NATURE'),
      exitHour: r.string('FIDES_B2_EXIT_HOUR'),
      priorAgreementCode: r.string('FIDES_B2_PRIOR_AGREEMENT_CODE'),
      prescriberSpecialty: r.string('FIDES_B2_PRESCRIBER_SPECIALTY'),
      activityDomain: r.string('FIDES_B2_ACTIVITY_DOMAIN'),
    },
  };
}
