import { type ConfigReader } from './config-readers';

/** FIDES billing (issue 9). Absent (undefined) when the establishment does not bill through the gateway. */
export interface FidesConfig {
  /** Largest number of Claims in one `batch` Bundle (POST /fhir). */
  maxBatchEntries: number;
  /**
   * Full simulation only (set by src/app/simulators.ts, never read from the environment): every caisse's lots go to
   * this transmission recipient, the AMO simulator. Stands in for the recipients directory file until it is merged.
   */
  simulatedRecipientId?: string;
}

/**
 * FIDES_ENABLED=true turns billing on; unset, it is on in embedded mode (the demo shows the whole product) and off
 * otherwise, so a deployment that does not bill sees no new route.
 */
export function readFidesConfig(r: ConfigReader, embedded: boolean): FidesConfig | undefined {
  if (!r.bool('FIDES_ENABLED', embedded)) return undefined;
  return { maxBatchEntries: r.int('FIDES_MAX_BATCH_ENTRIES', 1, 10000) };
}
