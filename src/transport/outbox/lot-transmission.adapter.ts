/**
 * The transport side of LOT_TRANSMISSION (src/platform/lot-transmission.ts): a billing flow's frozen lot goes through
 * the same outbox as an uploaded lot, routed by the recipients directory only.
 */
import type { LotTransmissionInput, LotTransmissionPort, LotTransmissionView } from '../../platform/lot-transmission';
import { routeOf, type RecipientsDirectory } from '../recipients';
import type { TransmissionOutbox } from './transmission-outbox';
import type { Transmission } from './transmission.store';

export function lotTransmissionView(t: Transmission): LotTransmissionView {
  return {
    id: t.id,
    lotRef: t.lotRef,
    recipientId: t.recipientId,
    state: t.state,
    possibleDuplicate: t.possibleDuplicate,
    sentAt: t.sentAt,
    lastError: t.lastError,
  };
}

export function lotTransmissionAdapter(
  outbox: TransmissionOutbox,
  routes: RecipientsDirectory,
  certificates: ReadonlySet<string>,
): LotTransmissionPort {
  return {
    async prepare(input: LotTransmissionInput) {
      const route = routeOf(routes, input.recipientId);
      const { transmission, created } = await outbox.prepare({
        flow: input.flow,
        lotRef: input.lotRef,
        recipientId: input.recipientId,
        channel: route.channel,
        recipient: route.address,
        fileName: input.fileName,
        content: input.content,
        requestedBy: input.requestedBy,
      });
      return { transmission: lotTransmissionView(transmission), created };
    },
    async get(id: string) {
      const t = await outbox.get(id);
      return t && lotTransmissionView(t);
    },
    knowsRecipient: (id: string) => routes.has(id) && certificates.has(id),
  };
}
