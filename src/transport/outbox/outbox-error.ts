/**
 * Why the outbox refused a lot before (or instead of) sending it. Certificate refusals are CertificateError from
 * src/signing (so callers can tell "fix the certificate" from "fix the request"); channel failures are ChannelError.
 * Messages name identifiers and rules only, never lot content.
 */
export type OutboxErrorCode =
  /** The request itself is unusable (missing field, unsafe file name, no content). */
  | 'INVALID_INPUT'
  /** No encryption certificate is configured for this recipient id. */
  | 'UNKNOWN_RECIPIENT'
  /** The requested channel is not configured in this process. */
  | 'CHANNEL_NOT_CONFIGURED'
  /** Another (flow, lot, recipient) already owns this idempotency key: never merge two different lots. */
  | 'KEY_CONFLICT'
  /** The spool file is missing or differs from what was recorded: it must not be sent. */
  | 'SPOOL_CORRUPT';

export class OutboxError extends Error {
  constructor(
    readonly code: OutboxErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'OutboxError';
  }
}
