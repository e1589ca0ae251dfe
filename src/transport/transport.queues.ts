import { defineQueue, exponentialRetries, type QueueDefinition } from '../queue/queue-definition';

export const TRANSMISSION_SEND_QUEUE = 'transmission-send';

/** One transmission to send; the job id is the transmission id. */
export interface TransmissionSendJob {
  transmissionId: string;
}

/**
 * Transport's queue, its job data and default job options, in one place: the outbox (producer) and the send worker
 * (consumer) both open it from here. Defaults: 8 attempts from 30 s, doubling — a mailbox or SFTP server down for
 * about an hour is ridden out.
 */
export function transmissionSendQueue(attempts = 8, backoffMs = 30_000): QueueDefinition<TransmissionSendJob> {
  return defineQueue<TransmissionSendJob>(TRANSMISSION_SEND_QUEUE, {
    ...exponentialRetries(attempts, backoffMs),
    // The row is the truth; finished jobs are dropped so that requeuePending() can add a job again under the same id.
    removeOnComplete: true,
    removeOnFail: true,
  });
}
