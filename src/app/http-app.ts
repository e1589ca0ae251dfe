import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AppConfig } from '../config/app-config';
import type { AppLogger } from '../observability/logger';
import { NestPinoLogger } from '../observability/nest-logger';
import { AppModule, type AppModuleDeps } from './app.module';
import { httpsOptions } from './https-options';
import { closeOnUnreadBodies } from './unread-bodies';

/**
 * The Nest HTTP application: FHIR, lots, health, metrics, OpenAPI, on the adapter chosen by HTTP_ADAPTER.
 * Controllers, guards, the edge and body interceptors and the error filter are adapter-neutral; what is not
 * (correlation id, TLS) lives in express-edge.ts / fastify-edge.ts, loaded only for the adapter in use.
 */
export async function createHttpApp(config: AppConfig, log: AppLogger, deps: AppModuleDeps): Promise<INestApplication> {
  const { tls } = config.http;
  const options = { bodyParser: false, logger: new NestPinoLogger(log) };
  log.info({ adapter: config.http.adapter, tls: !!tls, mutualTls: !!tls?.requestClientCert }, 'HTTP adapter');
  if (config.http.adapter === 'fastify') {
    const { createFastifyAdapter, installFastifyEdge } = await import('./fastify-edge');
    const adapter = createFastifyAdapter(tls);
    installFastifyEdge(adapter.getInstance());
    const app = await NestFactory.create(AppModule.with(deps), adapter, options);
    closeOnUnreadBodies(adapter.getInstance().server);
    return app;
  }
  const { installExpressEdge } = await import('./express-edge');
  const app = await NestFactory.create<NestExpressApplication>(AppModule.with(deps), {
    ...options,
    httpsOptions: tls ? httpsOptions(tls) : undefined,
  });
  installExpressEdge(app);
  closeOnUnreadBodies(app.getHttpServer());
  return app;
}
