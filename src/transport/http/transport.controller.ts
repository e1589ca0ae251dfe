import { Controller, Inject, Post, Query, Req } from '@nestjs/common';
import type { Principal } from '../../access/roles';
import { actorOf, type AuditTrail } from '../../audit/audit-trail';
import { GatewayError } from '../../common/gateway-error';
import { Caller } from '../../http/access.guard';
import { Reply } from '../../http/reply';
import { MiB } from '../../http/request-body';
import { Route } from '../../http/route-doc';
import { currentCorrelationId } from '../../observability/correlation';
import { AUDIT } from '../../platform/tokens';
import { buildTransmissionTask, TransmissionOutbox } from '../outbox';
import { type RecipientsDirectory, routeOf, TRANSMISSION_ROUTES } from '../recipients';
import { toGatewayError } from '../transport-error-mapping';

/** Routing used to come from the query; it is configuration now, and a caller still sending it is told so. */
const REFUSED_QUERY = ['channel', 'address'] as const;

/**
 * A billing lot handed over for transmission: the raw lot bytes in the body (application/octet-stream), which lot
 * and for which configured recipient in the query. Streamed to disk, sealed (signed, encrypted) from the file and
 * recorded before the 202; sent by the worker. The channel, mailbox or folder and certificate come from the
 * recipients directory.
 */
@Controller('transport')
export class TransportController {
  constructor(
    @Inject(TransmissionOutbox) private readonly outbox: TransmissionOutbox,
    @Inject(TRANSMISSION_ROUTES) private readonly recipients: RecipientsDirectory,
    @Inject(AUDIT) private readonly audit: AuditTrail,
  ) {}

  @Post('lots')
  @Route({
    summary:
      'A billing lot to sign, encrypt and send to a configured recipient (body: the lot bytes; query: flow, lotRef, recipient, fileName); 202 with the Task',
    tag: 'Transport',
    body: 'application/octet-stream',
    // Streamed to a file beside the spool and sealed from it: the limit bounds the disk, not the memory.
    maxBodyBytes: 256 * MiB,
    bodyDelivery: 'stream',
    status: 202,
    errors: [400, 401, 403, 409, 413, 415, 422, 429],
    roles: ['billing'],
  })
  async submit(
    @Caller() caller: Principal,
    @Req() req: { body?: unknown },
    @Query() q: Record<string, string | undefined>,
  ): Promise<Reply> {
    const body = req.body;
    if (!isStream(body)) throw new GatewayError('INVALID_INPUT', 'Send the lot bytes as application/octet-stream', 'body');
    const { flow, lotRef, recipient, fileName } = q;
    if (!flow) throw missing('flow');
    if (!lotRef) throw missing('lotRef');
    if (!recipient) throw missing('recipient');
    if (!fileName) throw missing('fileName');
    for (const name of REFUSED_QUERY)
      if (q[name] !== undefined)
        throw new GatewayError('INVALID_INPUT', `Query parameter ${name} is not accepted: the recipient's routing is configured`, name);
    const route = routeOf(this.recipients, recipient);
    try {
      const { transmission, created } = await this.outbox.prepareUpload(
        { flow, lotRef, recipientId: recipient, channel: route.channel, recipient: route.address, fileName, requestedBy: caller.clientId },
        body,
      );
      if (created)
        await this.audit.record({
          actor: actorOf(caller),
          action: 'transmission.queued',
          target: `Task/${transmission.id}`,
          correlationId: currentCorrelationId(),
          detail: { flow: flow.slice(0, 32), recipient: recipient.slice(0, 64), channel: route.channel },
        });
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
