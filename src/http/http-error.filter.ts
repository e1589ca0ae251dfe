import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Inject } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { GatewayError } from '../common/gateway-error';
import { operationOutcome, outcomeFor } from '../fhir/operation-outcome';
import { currentCorrelationId } from '../observability/correlation';
import { describeDbError } from '../persistence/db-errors';
import { AppLogger } from '../observability/logger';
import { Metrics } from '../observability/metrics';
import { LOGGER, METRICS } from '../platform/tokens';
import { requestLabel } from './route-context';

const HTTP_ISSUE: Record<number, string> = {
  400: 'invalid',
  401: 'login',
  403: 'forbidden',
  404: 'not-found',
  405: 'not-supported',
  413: 'too-costly',
  415: 'not-supported',
};

/** What a client is told to wait when our database is unavailable (a restart or failover takes seconds). */
const STORAGE_RETRY_AFTER_SECONDS = 5;

/**
 * Every error leaves as an OperationOutcome with the right status: gateway errors through the one status table
 * (fhir/operation-outcome.ts; each flow maps its own domain errors to gateway errors in its `*-error-mapping.ts`),
 * Nest's own HTTP errors (unknown route, bad method) by status, anything else as 500 with the correlation id.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(LOGGER) private readonly log: AppLogger,
    @Inject(METRICS) private readonly metrics: Metrics,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const adapter = this.adapterHost.httpAdapter;
    const res: unknown = host.switchToHttp().getResponse();
    const req: object = host.switchToHttp().getRequest();
    const correlationId = currentCorrelationId();
    let status: number;
    let body;
    const db = describeDbError(exception);
    if (db && (db.kind === 'unavailable' || db.kind === 'timeout')) {
      // Our database is down, restarting or silent: a transient 503 the caller retries, not a 500 (logged by codes only).
      this.log.warn({ err: exception }, 'Storage unavailable');
      exception = new GatewayError('STORAGE_UNAVAILABLE', 'Storage is unavailable; retry later', undefined, STORAGE_RETRY_AFTER_SECONDS);
    }
    if (exception instanceof GatewayError) {
      ({ status, body } = outcomeFor(exception, correlationId));
      if (exception.retryAfterSeconds) adapter.setHeader(res, 'Retry-After', String(exception.retryAfterSeconds));
    } else if (exception instanceof HttpException) {
      status = exception.getStatus();
      body = operationOutcome('error', HTTP_ISSUE[status] ?? 'processing', exception.message);
    } else {
      status = 500;
      this.log.error({ err: exception }, 'Unhandled error');
      body = operationOutcome('fatal', 'exception', `Internal error (correlation id ${correlationId ?? 'none'})`);
    }
    this.metrics.fhirRequests.inc({ operation: requestLabel(req), status: String(status) });
    adapter.setHeader(res, 'Content-Type', 'application/fhir+json');
    adapter.reply(res, JSON.stringify(body), status);
  }
}
