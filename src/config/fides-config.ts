import { type ConfigReader } from './config-readers';
import { type FidesSubscriptionConfig, readFidesSubscriptionConfig } from './fides-subscription-config';
import { type FidesLotsConfig, readFidesLotsConfig } from './fides-lots-config';

/** FIDES billing (issue 9). Absent (undefined) when the establishment does not bill through the gateway. */
export interface FidesConfig {
  /** Largest number of Claims in one `batch` Bundle (POST /fhir). */
  maxBatchEntries: number;
  /** FHIR Subscriptions on ClaimResponse (FIDES_SUBSCRIPTION_*). */
  subscriptions: FidesSubscriptionConfig;
  /**
   * Full simulation only (set by src/app/simulated-billing.ts, never read from the environment): every caisse's lots
   * go to one transmission recipient, the AMO simulator; `recipientsFile` is that recipients directory written as a
   * FIDES_RECIPIENTS_FILE (`{"default": "<recipientId>"}`), used when none is configured.
   */
  simulation?: { recipientId: string; recipientsFile: string };
  /** B2 lots: emitter, size, cut-off, recipients directory (fides-lots-config.ts). */
  lots: FidesLotsConfig;
  /** Pre-flight (issue 9 §2): how the invoices to check are taken and how long a CDRi answer stays good enough. */
  preflight: FidesPreflightConfig;
}

export interface FidesPreflightConfig {
  /** A CDRi answer older than this is not judged by, a new check is queued (FIDES_RIGHTS_MAX_AGE_HOURS). */
  rightsMaxAgeMs: number;
  /** Invoices taken per run of the pre-flight worker (FIDES_PREFLIGHT_BATCH). */
  batchSize: number;
  /** How often the worker looks for received invoices and awaited CDRi answers (FIDES_PREFLIGHT_INTERVAL_MS). */
  intervalMs: number;
  /** A queued CDRi check still unanswered after this is queued again (its job was lost; FIDES_RIGHTS_CHECK_TIMEOUT_SECONDS). */
  rightsCheckTimeoutMs: number;
}

/**
 * FIDES_ENABLED=true turns billing on; unset, it is on in embedded mode (the demo shows the whole product) and off
 * otherwise, so a deployment that does not bill sees no new route.
 */
export function readFidesConfig(r: ConfigReader, embedded: boolean): FidesConfig | undefined {
  if (!r.bool('FIDES_ENABLED', embedded)) return undefined;
  return {
    maxBatchEntries: r.int('FIDES_MAX_BATCH_ENTRIES', 1, 10000),
    subscriptions: readFidesSubscriptionConfig(r),
    lots: readFidesLotsConfig(r),
    preflight: {
      rightsMaxAgeMs: r.int('FIDES_RIGHTS_MAX_AGE_HOURS', 1, 24 * 365) * 3_600_000,
      batchSize: r.int('FIDES_PREFLIGHT_BATCH', 1, 10_000),
      intervalMs: r.int('FIDES_PREFLIGHT_INTERVAL_MS', 100, 3_600_000),
      rightsCheckTimeoutMs: r.int('FIDES_RIGHTS_CHECK_TIMEOUT_SECONDS', 1, 86_400) * 1000,
    },
  };
}
