import { Controller, Inject, Post, Query, Req, UseGuards } from '@nestjs/common';
import { GatewayError } from '../../common/gateway-error';
import { KioskGuard } from '../../http/kiosk.guard';
import { Reply } from '../../http/reply';
import { MiB } from '../../http/request-body';
import { Route } from '../../http/route-doc';
import { buildTransmissionTask, TransmissionOutbox } from '../outbox';
import { toGatewayError } from '../transport-error-mapping';

const CHANNELS = ['smtp', 'sftp', 'file-drop'] as const;
type Channel = (typeof CHANNELS)[number];

function isChannel(value: string): value is Channel {
  return (CHANNELS as readonly string[]).includes(value);
}

/**
 * A billing lot handed over for transmission: the raw lot bytes in the body (application/octet-stream), the
 * routing in the query. Streamed to disk, sealed (signed, encrypted) from the file and recorded before the 202;
 * sent by the worker.
 */
@Controller('transport')
@UseGuards(KioskGuard)
export class TransportController {
  constructor(@Inject(TransmissionOutbox) private readonly outbox: TransmissionOutbox) {}

  @Post('lots')
  @Route({
    summary:
      'A billing lot to sign, encrypt and send (body: the lot bytes; query: flow, lotRef, recipient, channel, address, fileName); 202 with the Task',
    tag: 'Transport',
    body: 'application/octet-stream',
    // Streamed to a file beside the spool and sealed from it: the limit bounds the disk, not the memory.
    maxBodyBytes: 256 * MiB,
    bodyDelivery: 'stream',
    status: 202,
    errors: [400, 401, 409, 413, 415, 422, 429],
  })
  async submit(@Req() req: { body?: unknown }, @Query() q: Record<string, string | undefined>): Promise<Reply> {
    const body = req.body;
    if (!isStream(body)) throw new GatewayError('INVALID_INPUT', 'Send the lot bytes as application/octet-stream', 'body');
    const { flow, lotRef, recipient, channel, fileName } = q;
    if (!flow) throw missing('flow');
    if (!lotRef) throw missing('lotRef');
    if (!recipient) throw missing('recipient');
    if (!channel) throw missing('channel');
    if (!fileName) throw missing('fileName');
    if (!isChannel(channel)) throw new GatewayError('INVALID_INPUT', `channel must be one of ${CHANNELS.join(', ')}`, 'channel');
    try {
      const { transmission } = await this.outbox.prepareUpload(
        { flow, lotRef, recipientId: recipient, channel, recipient: q.address ?? '', fileName },
        body,
      );
      return Reply.located(202, `/fhir/Task/${transmission.id}`, buildTransmissionTask(transmission));
    } catch (err) {
      throw toGatewayError(err);
    }
  }
}

function isStream(body: unknown): body is AsyncIterable<Uint8Array> {
  return typeof (body as AsyncIterable<Uint8Array> | undefined)?.[Symbol.asyncIterator] === 'function';
}

function missing(name: string): GatewayError {
  return new GatewayError('INVALID_INPUT', `Query parameter ${name} is required`, name);
}
