import { DynamicModule, Module, Provider, Type } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { AppConfig } from '../config/app-config';
import { FhirPlatformController } from '../http/fhir-platform.controller';
import { HttpEdgeInterceptor } from '../http/http-edge.interceptor';
import { HttpErrorFilter } from '../http/http-error.filter';
import { AccessGuard } from '../http/access.guard';
import { AuditController } from '../http/audit.controller';
import type { AuditStore } from '../audit/audit.store';
import { RequestBodyInterceptor } from '../http/request-body.interceptor';
import { OpenApiController } from '../http/openapi.controller';
import { declaredRoutes } from '../http/route-doc';
import { RouteContextGuard } from '../http/route-context';
import { HealthController } from '../http/health.controller';
import { Hl7InboxController } from '../http/hl7-inbox.controller';
import type { Hl7InboxOperations } from '../hl7/inbox/hl7-inbox-operations';
import { PatientErasureController, type PatientErasure } from '../http/patient-erasure.controller';
import { HealthProbes } from '../observability/health';
import { AppLogger } from '../observability/logger';
import { Metrics } from '../observability/metrics';
import type { FlowParts } from '../platform/flow';
import type { HttpCatalog } from '../http/http-catalog';
import { AUDIT, CONFIG, FLOW_PARTS, HEALTH, HL7_INBOX, LOGGER, METRICS, PATIENT_ERASURE } from '../platform/tokens';

export interface AppModuleDeps {
  config: AppConfig;
  log: AppLogger;
  metrics: Metrics;
  health: HealthProbes;
  audit: AuditStore;
  /** The built flows' parts (those configuration turned on). */
  flows: FlowParts[];
  /** Erasure of a patient's data across every flow's retention rules. */
  erasure: PatientErasure;
  /** MSH-10 conflicts and parked HL7 messages, for operators (list, acknowledge, resolve, replay). */
  hl7Inbox: Hl7InboxOperations;
}

/**
 * Controllers every gateway serves, whatever the flows: FHIR metadata and Task reads, health, metrics, OpenAPI, audit,
 * erasure, the HL7 edge's conflicts and parked messages.
 */
export const PLATFORM_CONTROLLERS: Type[] = [
  FhirPlatformController,
  HealthController,
  OpenApiController,
  AuditController,
  PatientErasureController,
  Hl7InboxController,
];

/**
 * The HTTP side of the gateway: the platform's controllers plus each flow's, with the values they inject. The
 * infrastructure and the flows are built outside Nest (app/gateway.ts), in boot order, and handed in as values:
 * controllers stay one line per route and never see a connection string.
 */
@Module({})
export class AppModule {
  static with(deps: AppModuleDeps): DynamicModule {
    const controllers = [...PLATFORM_CONTROLLERS, ...deps.flows.flatMap((f) => f.http?.controllers ?? [])];
    // Read once (and the boot fails, not a request, when a route lacks its @Route declaration).
    const catalog: HttpCatalog = {
      version: deps.config.cdri.common.softwareVersion,
      routes: declaredRoutes(controllers),
      taskReaders: deps.flows.flatMap((f) => (f.tasks ? [f.tasks] : [])),
    };
    const providers: Provider[] = [
      { provide: CONFIG, useValue: deps.config },
      { provide: LOGGER, useValue: deps.log },
      { provide: METRICS, useValue: deps.metrics },
      { provide: HEALTH, useValue: deps.health },
      { provide: PATIENT_ERASURE, useValue: deps.erasure },
      { provide: FLOW_PARTS, useValue: catalog },
      { provide: AUDIT, useValue: deps.audit },
      { provide: HL7_INBOX, useValue: deps.hl7Inbox },
      ...deps.flows.flatMap((f) => f.http?.providers ?? []),
      // In this order: the route label first (errors of the next guard are counted under their route), then access.
      { provide: APP_GUARD, useClass: RouteContextGuard },
      { provide: APP_GUARD, useClass: AccessGuard },
      { provide: APP_INTERCEPTOR, useClass: HttpEdgeInterceptor },
      // After every guard, whatever they are: a body is read only for an authenticated caller of a known route.
      { provide: APP_INTERCEPTOR, useClass: RequestBodyInterceptor },
      { provide: APP_FILTER, useClass: HttpErrorFilter },
    ];
    return { module: AppModule, controllers, providers };
  }
}
