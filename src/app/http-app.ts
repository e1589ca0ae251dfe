import { readFileSync } from 'node:fs';
import { type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import express from 'express';
import { type AppConfig } from '../config/app-config';
import { operationOutcome } from '../fhir/operation-outcome';
import { correlationMiddleware } from '../http/correlation.middleware';
import { type AppLogger } from '../observability/logger';
import { NestPinoLogger } from '../observability/nest-logger';
import { AppModule, type AppModuleDeps } from './app.module';

/** The Nest HTTP application: FHIR, lots, health, metrics, OpenAPI. JSON bodies and CSV uploads parsed here. */
export async function createHttpApp(config: AppConfig, log: AppLogger, deps: AppModuleDeps): Promise<INestApplication> {
  const tls = config.http.tls;
  const app = await NestFactory.create(AppModule.with(deps), {
    bodyParser: false,
    logger: new NestPinoLogger(log),
    httpsOptions: tls
      ? {
          cert: readFileSync(tls.certFile),
          key: readFileSync(tls.keyFile),
          ca: tls.caFile ? readFileSync(tls.caFile) : undefined,
          requestCert: tls.requestClientCert,
          // Kiosks may also use API keys over plain server TLS: the guard checks `authorized` itself.
          rejectUnauthorized: false,
        }
      : undefined,
  });
  app.use(correlationMiddleware);
  app.use(express.json({ limit: '20mb', type: ['application/json', 'application/fhir+json'] }));
  app.use(express.text({ limit: '50mb', type: ['text/csv', 'text/plain'] }));
  app.use(express.raw({ limit: '200mb', type: ['application/octet-stream'] }));
  // Body errors happen before Nest routes the request: answer them as FHIR too.
  app.use((err: Error & { status?: number; type?: string }, _req: Request, res: Response, next: NextFunction) => {
    if (!err) return next();
    const status = err.status === 413 ? 413 : 400;
    const text = err.type === 'entity.parse.failed' ? 'Body is not valid JSON' : err.message;
    res.status(status).type('application/fhir+json').send(JSON.stringify(operationOutcome('error', status === 413 ? 'too-costly' : 'invalid', text)));
  });
  return app;
}
