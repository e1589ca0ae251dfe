/**
 * Options, statistics and the seeded RNG of the CDRi simulator (kept apart to keep the server small).
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
  tls?: CdriSimulatorTls;
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
}

export interface CdriSimulatorStats extends CdriSimulatorCounters {
  /** Distinct NIRs seen. */
  distinctNirs: number;
  /** Live per-NIR count of calls (same as CdriSimulator.callsFor). */
  callsFor(nir: string): number;
}

export function zeroCounters(inFlight = 0): CdriSimulatorCounters {
  return { calls: 0, answered: 0, pings: 0, faultsServed: 0, http5xxServed: 0, rateLimitedServed: 0, timeoutsServed: 0, malformed: 0, inFlight, connections: 0 };
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
};
export const MAX_BODY_BYTES = 1024 * 1024;

/** mulberry32: tiny, fast, good enough to make fault injection reproducible. */
export function seededRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
