/**
 * The one error vocabulary of the gateway. Each code maps, in one exhaustive table per boundary, to an HTTP status
 * + FHIR issue code (fhir/operation-outcome.ts) and to an HL7 ACK code (hl7). Messages name fields and rules,
 * never patient data.
 */
export type GatewayErrorCode =
  | 'INVALID_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'BUSINESS_RULE'
  | 'RATE_LIMITED'
  | 'INSURER_UNAVAILABLE'
  | 'INSURER_REFUSED'
  | 'INSURER_BUSY'
  | 'INSURER_TIMEOUT'
  /** Our own database is down, restarting or not answering in time: the caller retries (503 + Retry-After). */
  | 'STORAGE_UNAVAILABLE'
  | 'INTERNAL';

export class GatewayError extends Error {
  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    /** FHIRPath or HL7 location of the bad field, when there is one. */
    readonly field?: string,
    /** Seconds a client should wait (429/503). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'GatewayError';
  }
}
