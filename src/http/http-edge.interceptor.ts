import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import { Observable, map } from 'rxjs';
import { Metrics } from '../observability/metrics';
import { METRICS } from '../platform/tokens';
import { Reply } from './reply';
import { labelOf } from './route-context';

/**
 * The one place where a controller's return value becomes an HTTP answer: status, headers, content type and the
 * request metric. Controllers never touch the adapter's response object, so they serve Express and Fastify alike.
 */
@Injectable()
export class HttpEdgeInterceptor implements NestInterceptor {
  constructor(@Inject(METRICS) private readonly metrics: Metrics) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const operation = labelOf(context);
    return next.handle().pipe(
      map((value: unknown) => {
        const reply = value instanceof Reply ? value : Reply.json(value);
        this.metrics.fhirRequests.inc({ operation, status: String(reply.status) });
        // A web Response is "the whole answer" for Nest: its status and headers win over the route's default
        // (201 for every POST), on Express and Fastify alike. Serialised here, under our content type.
        const body = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
        return new Response(body, { status: reply.status, headers: { ...reply.headers, 'Content-Type': reply.contentType } });
      }),
    );
  }
}
