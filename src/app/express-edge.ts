import type { NestExpressApplication } from '@nestjs/platform-express';
import { correlationMiddleware } from '../http/correlation.middleware';

/**
 * Express middleware for what Nest does not do itself: the correlation id. No body parser: bodies are read per
 * route, after the guards (http/request-body.interceptor.ts).
 */
export function installExpressEdge(app: NestExpressApplication): void {
  app.use(correlationMiddleware);
}
