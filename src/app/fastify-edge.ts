import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TlsFiles } from '../config/app-config';
import { correlationIdFor } from '../http/correlation.middleware';
import { withCorrelation } from '../observability/correlation';
import { httpsOptions } from './https-options';

/**
 * The Fastify adapter configured to route like Express does by default (trailing slash and letter case ignored),
 * so a URL that works on one adapter works on the other.
 */
export function createFastifyAdapter(tls: TlsFiles | undefined): FastifyAdapter {
  return new FastifyAdapter({
    ...(tls ? { https: httpsOptions(tls) } : {}),
    // Fastify answers 414 past 100 characters in one path parameter; Express has no such limit.
    routerOptions: { ignoreTrailingSlash: true, caseSensitive: false, maxParamLength: 1024 },
  });
}

/**
 * Hooks for what Nest does not do itself: the correlation id. No body is parsed here: bodies are read per route,
 * after the guards (http/request-body.interceptor.ts); Fastify's parsers are replaced by one that reads nothing.
 */
export function installFastifyEdge(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  // Leaves the request stream unread (Fastify would otherwise read it before routing, or answer 415 itself).
  fastify.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));

  const ids = new WeakMap<FastifyRequest, string>();
  fastify.addHook('onRequest', (req, reply, done) => {
    const id = correlationIdFor(req.headers);
    ids.set(req, id);
    reply.header('X-Correlation-Id', id);
    withCorrelation(id, done);
  });
  // Fastify runs its hooks on its own callbacks, outside the context entered above: enter it again before the
  // handler, so guards, handlers, filters and their logs see the id.
  fastify.addHook('preHandler', (req, _reply, done) => {
    const id = ids.get(req);
    if (id) withCorrelation(id, done);
    else done();
  });
}
