import { ChannelError, type OutgoingLot } from '../../src/transport/channels/transmission-channel';

/** Lot `n` of the channel tests: stable ids derived from n, one attempt id per attempt. */
export function lot(n: number, content: OutgoingLot['content'], attempt = 1, recipient = ''): OutgoingLot {
  return {
    lotId: `LOT-${n}`,
    attemptId: `att-${n}-${attempt}`,
    idempotencyKey: `idem-${n}`,
    fileName: `B2-${n}.p7m`,
    content,
    contentType: 'application/pkcs7-mime; smime-type=enveloped-data',
    recipient,
  };
}

/** The ChannelError a send must fail with. */
export async function sendError(p: Promise<unknown>): Promise<ChannelError> {
  try {
    await p;
  } catch (err) {
    if (!(err instanceof ChannelError)) throw new Error(`expected a ChannelError, got ${String(err)}`);
    return err;
  }
  throw new Error('expected the send to fail');
}
