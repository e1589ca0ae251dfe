/**
 * The transmission outbox of billing lots: seal (sign + encrypt) into a spool, record, send through a channel by
 * BullMQ job, and expose the result as a FHIR Task.
 */
export { OutboxError, type OutboxErrorCode } from './outbox-error';
export { LotSealer, type LotSealerOptions, type CheckedRecipient, type LotSource } from './lot-sealer';
export { idempotencyKeyOf, isSafeToken, safeToken } from './transmission-naming';
export {
  TRANSMISSION_STATES,
  TransmissionStore,
  type TransmissionStorePort,
  type NewTransmission,
  type Transmission,
  type TransmissionState,
} from './transmission.store';
export {
  LOT_CONTENT_TYPE,
  TransmissionOutbox,
  type OutboxEvent,
  type PrepareTransmissionInput,
  type PreparedTransmission,
  type SendJobResult,
  type TransmissionOutboxOptions,
} from './transmission-outbox';
export { TRANSMISSION_IDEMPOTENCY_SYSTEM, buildTransmissionTask } from './transmission-task.builder';
export { TRANSMISSION_SEND_QUEUE, type TransmissionSendJob } from '../transport.queues';
