/**
 * One vocabulary for how an exchange with an insurer ended, whatever the insurer (CDRi, ROC, …) and whatever its
 * codec. Each insurer adapter maps these to its own typed errors; metrics label calls with them.
 *
 * - timeout      our deadline fired (connect + request + whole answer): the insurer may still be working on it.
 * - unavailable  no answer from the service: connection refused or reset, DNS, TLS, or an HTTP 5xx.
 * - throttled    the insurer asked us to slow down (429, or 503 with a Retry-After), for retryAfterMs when it said.
 * - refused      the insurer (or its front end) will not take this request as sent: 4xx, an oversized or unexpected
 *                answer. Repeating it unchanged gives the same result.
 */
export type InsurerFailure = 'timeout' | 'unavailable' | 'throttled' | 'refused';
export type InsurerOutcome = 'ok' | InsurerFailure;

/** Worth retrying later (with backoff, or after Retry-After); `refused` is final. */
export function isTransient(outcome: InsurerFailure): boolean {
  return outcome !== 'refused';
}

/**
 * Outcome of an HTTP status, before any codec reads the body. A 503 is throttling only when it says for how long
 * (RFC 9110 §15.6.4); without Retry-After it is an outage. 3xx are refused: an insurer endpoint that redirects is a
 * configuration error, and following it would send the certificate and the patient's data elsewhere.
 */
export function classifyHttpStatus(status: number, retryAfterMs?: number): InsurerOutcome {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 429) return 'throttled';
  if (status === 503 && retryAfterMs !== undefined) return 'throttled';
  if (status >= 500) return 'unavailable';
  return 'refused';
}

/**
 * A failed exchange. `detail` is a code (`HTTP_503`, `ECONNREFUSED`, `RESPONSE_TOO_LARGE`…) and the message is in our
 * own words: never the request, never the answer body, never Node's text (it can carry addresses and TLS details).
 */
export class InsurerCallError extends Error {
  constructor(
    readonly outcome: InsurerFailure,
    message: string,
    readonly detail: string,
    /** The insurer's Retry-After (ms, capped) when it gave one. */
    readonly retryAfterMs?: number,
    /** HTTP status when the insurer answered. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'InsurerCallError';
  }

  get transient(): boolean {
    return isTransient(this.outcome);
  }
}
