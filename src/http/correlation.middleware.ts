import type { IncomingMessage, ServerResponse } from 'node:http';
import { newCorrelationId, withCorrelation } from '../observability/correlation';

const ACCEPTABLE = /^[A-Za-z0-9._-]{8,64}$/;

/** The caller's X-Correlation-Id when it is well-formed (it goes into logs and answers), else a new one. */
export function correlationIdFor(headers: IncomingMessage['headers']): string {
  const given = headers['x-correlation-id'];
  return typeof given === 'string' && ACCEPTABLE.test(given) ? given : newCorrelationId();
}

/**
 * Express (Connect-style) middleware: takes or makes the id, echoes it on the response and runs the rest of the
 * request in its context. Fastify does the same with two hooks (src/app/fastify-edge.ts).
 */
export function correlationMiddleware(req: IncomingMessage, res: ServerResponse, next: () => void): void {
  const id = correlationIdFor(req.headers);
  res.setHeader('X-Correlation-Id', id);
  withCorrelation(id, next);
}
