import { Controller, Inject, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { METRICS, TRANSPORT } from '../app/tokens';
import type { TransportRuntime } from '../app/transport';
import { GatewayError } from '../common/gateway-error';
import { routeLabel } from '../fhir/fhir-error.filter';
import { KioskGuard, KioskRequest } from '../fhir/kiosk.guard';
import { Metrics } from '../observability/metrics';
import { CertificateError } from '../signing';
import { OutboxError, buildTransmissionTask } from './outbox';

const CHANNELS = ['smtp', 'sftp', 'file-drop'] as const;

/**
 * A billing lot handed over for transmission: the raw lot bytes in the body (application/octet-stream), the
 * routing in the query. Sealed (signed, encrypted) and recorded before the 202; sent by the worker.
 */
@Controller('transport')
@UseGuards(KioskGuard)
export class TransportController {
  constructor(
    @Inject(TRANSPORT) private readonly transport: TransportRuntime | undefined,
    @Inject(METRICS) private readonly metrics: Metrics,
  ) {}

  @Post('lots')
  async submit(@Req() req: KioskRequest, @Query() q: Record<string, string | undefined>, @Res() res: Response): Promise<void> {
    if (!this.transport) throw new GatewayError('BUSINESS_RULE', 'Lot transmission is not configured (SIGNING_SEAL_P12_FILE)');
    const body = req.body as unknown;
    if (!Buffer.isBuffer(body) || body.length === 0) throw new GatewayError('INVALID_INPUT', 'Send the lot bytes as application/octet-stream', 'body');
    for (const name of ['flow', 'lotRef', 'recipient', 'channel', 'fileName'] as const) {
      if (!q[name]) throw new GatewayError('INVALID_INPUT', `Query parameter ${name} is required`, name);
    }
    if (!(CHANNELS as readonly string[]).includes(q.channel!)) throw new GatewayError('INVALID_INPUT', `channel must be one of ${CHANNELS.join(', ')}`, 'channel');
    try {
      const { transmission } = await this.transport.outbox.prepare({
        flow: q.flow!, lotRef: q.lotRef!, recipientId: q.recipient!, channel: q.channel as (typeof CHANNELS)[number],
        recipient: q.address ?? '', fileName: q.fileName!, content: body,
      });
      res.setHeader('Location', `/fhir/Task/${transmission.id}`);
      this.metrics.fhirRequests.inc({ operation: routeLabel(req), status: '202' });
      res.status(202).type('application/fhir+json').send(JSON.stringify(buildTransmissionTask(transmission)));
    } catch (err) {
      // A lot is never sealed with an expired, untrusted or wrong-purpose certificate: say which, as a 422.
      if (err instanceof CertificateError) throw new GatewayError('BUSINESS_RULE', err.message, 'certificate');
      if (err instanceof OutboxError) {
        throw new GatewayError(err.code === 'KEY_CONFLICT' ? 'CONFLICT' : err.code === 'INVALID_INPUT' ? 'INVALID_INPUT' : 'BUSINESS_RULE', err.message);
      }
      throw err;
    }
  }
}
