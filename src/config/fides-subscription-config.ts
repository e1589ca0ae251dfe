import { type ConfigReader } from './config-readers';

/** FHIR Subscriptions (rest-hook) on ClaimResponse: how notifications are delivered and retried (issue 9 §4). */
export interface FidesSubscriptionConfig {
  /** How often each worker process looks for subscriptions with changes to deliver. */
  pollIntervalMs: number;
  /** Deadline of one notification (connect + send + answer). */
  timeoutMs: number;
  /** Consecutive failed deliveries after which a subscription goes to `error` (the dead-letter state). */
  maxAttempts: number;
  /** First retry delay; doubled at each consecutive failure, up to maxBackoffMs. */
  backoffMs: number;
  maxBackoffMs: number;
  /** Subscriptions one client may hold. */
  maxPerClient: number;
}

export function readFidesSubscriptionConfig(r: ConfigReader): FidesSubscriptionConfig {
  const cfg = {
    pollIntervalMs: r.int('FIDES_SUBSCRIPTION_INTERVAL_MS', 50, 3_600_000),
    timeoutMs: r.int('FIDES_SUBSCRIPTION_TIMEOUT_MS', 100, 120_000),
    maxAttempts: r.int('FIDES_SUBSCRIPTION_MAX_ATTEMPTS', 1, 1000),
    backoffMs: r.int('FIDES_SUBSCRIPTION_BACKOFF_MS', 10, 3_600_000),
    maxBackoffMs: r.int('FIDES_SUBSCRIPTION_MAX_BACKOFF_MS', 10, 86_400_000),
    maxPerClient: r.int('FIDES_SUBSCRIPTION_MAX_PER_CLIENT', 1, 1000),
  };
  r.check(cfg.maxBackoffMs >= cfg.backoffMs, 'FIDES_SUBSCRIPTION_MAX_BACKOFF_MS: must be at least FIDES_SUBSCRIPTION_BACKOFF_MS');
  return cfg;
}
