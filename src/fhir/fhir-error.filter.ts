import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Inject } from '@nestjs/common';
import type { Request, Response } from 'express';
import { GatewayError } from '../common/gateway-error';
import { LOGGER, METRICS } from '../app/tokens';
import { AppLogger } from '../observability/logger';
import { currentCorrelationId } from '../observability/correlation';
import { Metrics } from '../observability/metrics';
import { operationOutcome, outcomeFor } from './operation-outcome';

const HTTP_ISSUE: Record<number, string> = { 400: 'invalid', 401: 'login', 403: 'forbidden', 404: 'not-found', 405: 'not-supported', 413: 'too-costly', 415: 'not-supported' };

/**
 * Every error leaves as an OperationOutcome with the right status — gateway errors through the one mapping table,
 * Nest's own HTTP errors (unknown route, bad method) by status, anything else as 500 with the correlation id.
 */
@Catch()
export class FhirErrorFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly log: AppLogger, @Inject(METRICS) private readonly metrics: Metrics) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const req = host.switchToHttp().getRequest<Request>();
    const correlationId = currentCorrelationId();
    let status: number;
    let body;
    if (exception instanceof GatewayError) {
      ({ status, body } = outcomeFor(exception, correlationId));
      if (exception.retryAfterSeconds) res.setHeader('Retry-After', String(exception.retryAfterSeconds));
    } else if (exception instanceof HttpException) {
      status = exception.getStatus();
      body = operationOutcome('error', HTTP_ISSUE[status] ?? 'processing', exception.message);
    } else {
      status = 500;
      this.log.error({ err: exception }, 'Unhandled error');
      body = operationOutcome('fatal', 'exception', `Internal error (correlation id ${correlationId ?? 'none'})`);
    }
    this.metrics.fhirRequests.inc({ operation: routeLabel(req), status: String(status) });
    res.status(status).type('application/fhir+json').send(JSON.stringify(body));
  }
}

export function routeLabel(req: Request): string {
  const route = (req as Request & { route?: { path?: string } }).route?.path;
  return `${req.method} ${route ?? 'unmatched'}`;
}
