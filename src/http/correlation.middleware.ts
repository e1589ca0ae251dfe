import type { NextFunction, Request, Response } from 'express';
import { newCorrelationId, withCorrelation } from '../observability/correlation';

const ACCEPTABLE = /^[A-Za-z0-9._-]{8,64}$/;

/** Takes the caller's X-Correlation-Id when it is well-formed, else makes one; echoes it on the response. */
export function correlationMiddleware(req: Request, res: Response, next: NextFunction): void {
  const given = req.headers['x-correlation-id'];
  const id = typeof given === 'string' && ACCEPTABLE.test(given) ? given : newCorrelationId();
  res.setHeader('X-Correlation-Id', id);
  withCorrelation(id, next);
}
