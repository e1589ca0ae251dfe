import type { NestExpressApplication } from '@nestjs/platform-express';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { operationOutcome } from '../fhir/operation-outcome';
import { correlationMiddleware } from '../http/correlation.middleware';
import { BODY_KINDS, INVALID_JSON, bodyTooLarge } from './http-bodies';

const PARSERS = { json: express.json, text: express.text, bytes: express.raw } as const;

/** Express middleware for what Nest does not do itself: the correlation id and the bodies of BODY_KINDS. */
export function installExpressEdge(app: NestExpressApplication): void {
  app.use(correlationMiddleware);
  for (const kind of BODY_KINDS) app.use(PARSERS[kind.parseAs]({ limit: kind.limitBytes, type: [...kind.types] }));
  // Body errors happen before Nest routes the request: answer them as FHIR too.
  app.use((err: Error & { status?: number; type?: string; limit?: number }, _req: Request, res: Response, next: NextFunction) => {
    if (!err) return next();
    const status = err.status === 413 ? 413 : 400;
    let text = err.message;
    if (status === 413 && err.limit) text = bodyTooLarge(err.limit);
    else if (err.type === 'entity.parse.failed') text = INVALID_JSON;
    res
      .status(status)
      .type('application/fhir+json')
      .send(JSON.stringify(operationOutcome('error', status === 413 ? 'too-costly' : 'invalid', text)));
  });
}
