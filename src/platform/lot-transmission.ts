import { ServiceKey } from './service-registry';

/**
 * How a billing flow hands a frozen lot file to the transmission outbox without importing the transport flow: the
 * transport flow provides it (LOT_TRANSMISSION), FIDES (and later other billing flows) consume it. The lot names its
 * recipient by id only: the channel, the address and the encryption certificate are transport configuration
 * (TRANSMISSION_RECIPIENTS, TRANSMISSION_RECIPIENT_CERTS), never the caller's choice.
 */
export interface LotTransmissionInput {
  /** The flow whose returns (ARL…) come back for this lot: `fides`. */
  flow: string;
  /** The lot's reference, the transmission's lotRef (returns are matched on it). */
  lotRef: string;
  /** Recipient id of the transport's recipients directory. */
  recipientId: string;
  /** Physical file name at the receiver (letters, digits, `.`, `_`, `-`). */
  fileName: string;
  /** The lot's bytes, sealed then encrypted by the outbox. */
  content: Buffer;
  /** Who handed it over (client id or `system`). */
  requestedBy?: string;
}

export type LotTransmissionState = 'queued' | 'sending' | 'sent' | 'failed' | 'acknowledged';

/** What a billing flow may know of a transmission: ids, states and marks, never the spool or the route. */
export interface LotTransmissionView {
  id: string;
  lotRef: string;
  recipientId: string;
  state: LotTransmissionState;
  /** The receiver may hold this lot more than once (an attempt's outcome was never known). */
  possibleDuplicate: boolean;
  sentAt: Date | null;
  lastError: string | null;
}

export interface LotTransmissionPort {
  /** Seals, encrypts and enqueues; idempotent per (flow, lotRef, recipientId): `created: false` returns the earlier one. */
  prepare(input: LotTransmissionInput): Promise<{ transmission: LotTransmissionView; created: boolean }>;
  get(id: string): Promise<LotTransmissionView | undefined>;
  /** True when the recipient has a route and an encryption certificate in the transport configuration. */
  knowsRecipient(recipientId: string): boolean;
}

export const LOT_TRANSMISSION = new ServiceKey<LotTransmissionPort>('lot-transmission');
