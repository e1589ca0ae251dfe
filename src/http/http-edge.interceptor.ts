import { CallHandler, ExecutionContext, HttpStatus, Inject, Injectable, NestInterceptor, RequestMethod } from '@nestjs/common';
import { HTTP_CODE_METADATA, METHOD_METADATA } from '@nestjs/common/constants';
import { HttpAdapterHost } from '@nestjs/core';
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
  private readonly defaultStatus = new WeakMap<object, number>();

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(METRICS) private readonly metrics: Metrics,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const operation = labelOf(context);
    const routeStatus = this.routeStatus(context);
    const res: unknown = context.switchToHttp().getResponse();
    return next.handle().pipe(
      map((value: unknown) => {
        const reply = value instanceof Reply ? value : Reply.json(value);
        this.metrics.fhirRequests.inc({ operation, status: String(reply.status) });
        const body = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
        if (reply.status !== routeStatus) {
          // A web Response is "the whole answer" for Nest: its status and headers win over the route's own status
          // (e.g. /health's 503), on Express and Fastify alike. Streamed, so kept for the statuses a route rarely gives.
          return new Response(body, { status: reply.status, headers: { ...reply.headers, 'Content-Type': reply.contentType } });
        }
        // The usual case: the route's status (its @Route/@HttpCode), headers set through the adapter, the body as one
        // string — one write, no stream (measured: the streamed path doubled the kiosk's CPU per request).
        const adapter = this.adapterHost.httpAdapter;
        for (const [name, v] of Object.entries(reply.headers)) adapter.setHeader(res, name, v);
        adapter.setHeader(res, 'Content-Type', reply.contentType);
        return body;
      }),
    );
  }

  /** The status Nest answers with for this route: its @HttpCode (set by @Route), else 201 for POST, 200 otherwise. */
  private routeStatus(context: ExecutionContext): number {
    const handler = context.getHandler();
    let status = this.defaultStatus.get(handler);
    if (status === undefined) {
      const code = Reflect.getMetadata(HTTP_CODE_METADATA, handler) as number | undefined;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      status = code ?? (method === RequestMethod.POST ? HttpStatus.CREATED : HttpStatus.OK);
      this.defaultStatus.set(handler, status);
    }
    return status;
  }
}
