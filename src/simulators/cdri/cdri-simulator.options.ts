/**
 * Options, statistics, the seeded RNG and the rate-limit bucket of the CDRi simulator (kept apart to keep the server
 * small).
 */
import { SLOW_SCENARIO_DELAY_MS } from './simulated-patients';

export interface CdriSimulatorFaults {
  /** Probability (0..1) of a plain HTTP 503. */
  rate5xx: number;
  /** Probability of holding the answer for `timeoutDelayMs` (to trip client timeouts). */
  rateTimeout: number;
  /** Probability of a SOAP Fault ERREUR_TECHNIQUE (Receiver, HTTP 500). */
  rateFault: number;
  /** Probability of an HTTP 429. */
  rate429: number;
}

export interface CdriSimulatorTls {
  cert: string | Buffer;
  key: string | Buffer;
  /** CA(s) trusted for client certificates. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Ask for a client certificate (mutual TLS). Default: true when `ca` is given. */
  requestCert?: boolean;
  /** Refuse clients without a valid certificate. Default: true. */
  rejectUnauthorized?: boolean;
}

export interface CdriSimulatorOptions {
  /** 0 = ephemeral port. Port, host, path and tls apply at the next start(). */
  port: number;
  host: string;
  /** Service path; `GET <path>/ping` is the health probe. */
  path: string;
  latencyMs: number;
  /** Uniform extra latency in [0, jitterMs). */
  jitterMs: number;
  faults: CdriSimulatorFaults;
  seed: number;
  /** Delay used by the random "timeout" fault. */
  timeoutDelayMs: number;
  /** Requests in flight beyond this → 429. */
  maxConcurrent?: number;
  /** Requests per second beyond this → 429 with Retry-After (token bucket, burst = rate). */
  rateLimitPerSecond?: number;
  /**
   * Retry-After (seconds) of the RATE_LIMITED scenario and of random 429s (default: the scenario table's 1 s). Set an
   * unusual value to recognise it where it should arrive (kiosk 503, lot worker pause).
   */
  rateLimitedRetryAfterSeconds?: number;
  tls?: CdriSimulatorTls;
  /** Lot items the simulated insurer processes per second, all lots together (default 500). */
  lotThroughputPerSecond: number;
  /** How late a lot item of the SLOW scenario (or hit by the random timeout fault) comes out (default 30 s). */
  lotSlowItemDelayMs: number;
  /** Most results one lot poll returns (default 500; the client may ask for fewer). */
  lotPageSize: number;
}

/** Plain counters; `stats()` adds the per-NIR view. */
export interface CdriSimulatorCounters {
  /** Well-formed rights requests received, whatever the outcome. */
  calls: number;
  /** Calls answered with rights (HTTP 200). */
  answered: number;
  pings: number;
  faultsServed: number;
  http5xxServed: number;
  rateLimitedServed: number;
  timeoutsServed: number;
  malformed: number;
  inFlight: number;
  /** TCP connections accepted: with a keep-alive client it stays far below `calls` (no handshake per call). */
  connections: number;
  /** Lots accepted (an idempotent resubmission is not counted again). */
  lotsSubmitted: number;
  /** Lot items given a result (answer or item error). */
  lotItemsProcessed: number;
  /** Lot operations (deposit or poll) received, whatever the outcome. */
  lotCalls: number;
}

export interface CdriSimulatorStats extends CdriSimulatorCounters {
  /** Distinct NIRs seen. */
  distinctNirs: number;
  /** Live per-NIR count of calls (same as CdriSimulator.callsFor). */
  callsFor(nir: string): number;
  /** Checks performed, all NIRs together: distinct IdRequete answered, plus every answered question without one. */
  distinctChecks: number;
  /** Live per-NIR count of checks (same as CdriSimulator.checksFor). */
  checksFor(nir: string): number;
}

export function zeroCounters(inFlight = 0): CdriSimulatorCounters {
  return {
    calls: 0,
    answered: 0,
    pings: 0,
    faultsServed: 0,
    http5xxServed: 0,
    rateLimitedServed: 0,
    timeoutsServed: 0,
    malformed: 0,
    inFlight,
    connections: 0,
    lotsSubmitted: 0,
    lotItemsProcessed: 0,
    lotCalls: 0,
  };
}

export const DEFAULTS: CdriSimulatorOptions = {
  port: 0,
  host: '127.0.0.1',
  path: '/cdri',
  latencyMs: 0,
  jitterMs: 0,
  faults: { rate5xx: 0, rateTimeout: 0, rateFault: 0, rate429: 0 },
  seed: 42,
  timeoutDelayMs: SLOW_SCENARIO_DELAY_MS,
  lotThroughputPerSecond: 500,
  lotSlowItemDelayMs: SLOW_SCENARIO_DELAY_MS,
  lotPageSize: 500,
};
export const MAX_BODY_BYTES = 1024 * 1024;
/** A lot deposit carries thousands of questions: its own, larger, limit. */
export const MAX_LOT_BODY_BYTES = 16 * 1024 * 1024;

/** Token bucket of `rateLimitPerSecond` (burst = rate); read through a getter so configure() applies at once. */
export class TokenBucket {
  private tokens = 0;
  private at = 0;

  constructor(private readonly rate: () => number | undefined) {
    this.refill();
  }

  /** Fills the bucket (start, or a new rate). */
  refill(): void {
    this.tokens = this.burst();
    this.at = Date.now();
  }

  /** Takes one token: undefined when admitted, else the Retry-After in seconds. No rate = always admitted. */
  take(): number | undefined {
    const rate = this.rate();
    if (rate === undefined || rate <= 0) return undefined;
    const now = Date.now();
    this.tokens = Math.min(this.burst(), this.tokens + ((now - this.at) * rate) / 1000);
    this.at = now;
    if (this.tokens < 1) return Math.max(1, Math.ceil((1 - this.tokens) / rate));
    this.tokens -= 1;
    return undefined;
  }

  // A rate below 1/s still lets one request through, then one per 1/rate s.
  private burst(): number {
    return Math.max(1, this.rate() ?? 0);
  }
}
