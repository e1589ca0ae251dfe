/**
 * A transmission as a FHIR R4 Task (DOMAIN: "Task (lots)"), for billing offices following their lots.
 *
 * Status mapping (Task.status is about the *work*, businessStatus says where the lot is):
 *   queued       → requested    "queued for sending"; after a failed attempt: in-progress "waiting for retry…"
 *   sending      → in-progress  "sending"
 *   sent         → in-progress  "sent, awaiting acknowledgement" — the work is not done until the insurer's ARL
 *   acknowledged → completed    "acknowledged by the insurer"
 *   failed       → failed       statusReason = last error; a human decides (retry or cancel)
 * "sent" is deliberately not `completed`: a lot the insurer never acknowledged must stay visible as open work.
 */
import { type Transmission, type TransmissionState } from './transmission.store';

const STATUS: Record<TransmissionState, string> = {
  queued: 'requested',
  sending: 'in-progress',
  sent: 'in-progress',
  acknowledged: 'completed',
  failed: 'failed',
};

const BUSINESS_STATUS: Record<TransmissionState, string> = {
  queued: 'queued for sending',
  sending: 'sending',
  sent: 'sent, awaiting acknowledgement',
  acknowledged: 'acknowledged by the insurer',
  failed: 'failed, needs attention',
};

export const TRANSMISSION_IDEMPOTENCY_SYSTEM = 'https://passerelle.dev/fhir/sid/transmission-idempotency-key';

const iso = (d: Date | string | null): string | undefined => (d ? new Date(d).toISOString() : undefined);
const param = (name: string, value: Record<string, unknown>) => ({ type: { text: name }, ...value });

/** The Task; its lastUpdated is the latest event of the row (no clock read here). */
export function buildTransmissionTask(t: Transmission): Record<string, unknown> {
  const times = [t.createdAt, t.sentAt, t.acknowledgedAt, t.returnReceivedAt].filter((d): d is Date => d !== null);
  const lastUpdated = new Date(Math.max(...times.map((d) => new Date(d).getTime())));
  const waitingRetry = t.state === 'queued' && t.attempts > 0;
  const business = waitingRetry ? `waiting for retry after ${t.attempts} attempt(s)` : BUSINESS_STATUS[t.state];
  return {
    resourceType: 'Task',
    id: t.id,
    meta: { lastUpdated: lastUpdated.toISOString() },
    identifier: [
      { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${t.id}` },
      { system: TRANSMISSION_IDEMPOTENCY_SYSTEM, value: t.idempotencyKey },
    ],
    status: waitingRetry ? 'in-progress' : STATUS[t.state],
    intent: 'order',
    code: { text: 'billing lot transmission' },
    businessStatus: { text: t.possibleDuplicate ? `${business} (possible duplicate at the receiver)` : business },
    ...(t.state === 'failed' && t.lastError ? { statusReason: { text: t.lastError } } : {}),
    authoredOn: iso(t.createdAt),
    lastModified: lastUpdated.toISOString(),
    input: [
      param('flow', { valueString: t.flow }),
      param('lotRef', { valueString: t.lotRef }),
      param('recipientId', { valueString: t.recipientId }),
      param('channel', { valueCode: t.channel }),
      // File channels have no address (stored as ""); FHIR forbids empty strings, so an absent recipient is left out.
      ...(t.recipient ? [param('recipient', { valueString: t.recipient })] : []),
      param('fileName', { valueString: t.fileName }),
    ],
    output: [
      param('attempts', { valueInteger: t.attempts }),
      param('possibleDuplicate', { valueBoolean: t.possibleDuplicate }),
      param('alreadyDelivered', { valueBoolean: t.alreadyDelivered }),
      ...(t.remoteId ? [param('remoteId', { valueString: t.remoteId })] : []),
      param('sha256', { valueString: t.sha256 }),
      param('bytes', { valueInteger: Number(t.bytes) }),
      ...(t.sentAt ? [param('sentAt', { valueDateTime: iso(t.sentAt) })] : []),
      ...(t.acknowledgedAt ? [param('acknowledgedAt', { valueDateTime: iso(t.acknowledgedAt) })] : []),
      ...(t.returnReceivedAt ? [param('returnReceivedAt', { valueDateTime: iso(t.returnReceivedAt) })] : []),
      ...(t.lastError && t.state !== 'failed' ? [param('lastError', { valueString: t.lastError })] : []),
    ],
  };
}
