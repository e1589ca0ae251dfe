import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Observable, from, mergeMap } from 'rxjs';
import { announcesBody, boundedStream, checkAnnouncedBody, parseBody, rawRequest, readBody } from './request-body';
import { ROUTE_DOC, type RouteDoc } from './route-doc';

/**
 * Reads the request body for the route that serves it, with the route's limit. An interceptor, so it runs after
 * every guard (Nest: middleware → guards → interceptors → pipes → handler): no byte of a body is read for a caller
 * the guards refused, nor for an unknown route (Nest's 404 comes before). `@Body()` then reads `req.body`.
 */
@Injectable()
export class RequestBodyInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<{ body?: unknown }>();
    const raw = rawRequest(req);
    if (!announcesBody(raw)) {
      req.body = undefined;
      return next.handle();
    }
    const doc = Reflect.getMetadata(ROUTE_DOC, context.getHandler()) as RouteDoc | undefined;
    checkAnnouncedBody(raw, doc);
    const { body, maxBodyBytes } = doc as Required<Pick<RouteDoc, 'body' | 'maxBodyBytes'>> & RouteDoc;
    if (doc?.bodyDelivery === 'stream') {
      req.body = boundedStream(raw, maxBodyBytes);
      return next.handle();
    }
    return from(readBody(raw, maxBodyBytes)).pipe(
      mergeMap((bytes) => {
        req.body = parseBody(body, bytes, raw.headers['content-type']);
        return next.handle();
      }),
    );
  }
}
