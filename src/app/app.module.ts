import { DynamicModule, Module, Provider } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { CheckRightsUseCase } from '../cdri/check-rights.use-case';
import { LotStore } from '../cdri/lots/lot-store';
import { LotService } from '../cdri/lots/lot.service';
import { AppConfig } from '../config/app-config';
import { FhirErrorFilter } from '../fhir/fhir-error.filter';
import { FhirController } from '../fhir/fhir.controller';
import { LotsController } from '../fhir/lots.controller';
import { KioskGuard } from '../fhir/kiosk.guard';
import { OpenApiController } from '../http/openapi.controller';
import { HealthController, HealthProbes } from '../observability/health.controller';
import { AppLogger } from '../observability/logger';
import { Metrics } from '../observability/metrics';
import { TransportController } from '../transport/transport.controller';
import { CONFIG, HEALTH_PROBES, LOGGER, METRICS, TRANSPORT } from './tokens';
import type { TransportRuntime } from './transport';

export interface AppModuleDeps {
  config: AppConfig;
  log: AppLogger;
  metrics: Metrics;
  checkRights: CheckRightsUseCase;
  lots: LotService;
  lotStore: LotStore;
  health: HealthProbes;
  transport?: TransportRuntime;
}

/**
 * The HTTP side of the gateway. Infrastructure and use cases are built outside Nest (app/gateway.ts), in boot
 * order, and handed in as values: controllers stay one line per route and never see a connection string.
 */
@Module({})
export class AppModule {
  static with(deps: AppModuleDeps): DynamicModule {
    const providers: Provider[] = [
      { provide: CONFIG, useValue: deps.config },
      { provide: LOGGER, useValue: deps.log },
      { provide: METRICS, useValue: deps.metrics },
      { provide: HEALTH_PROBES, useValue: deps.health },
      { provide: TRANSPORT, useValue: deps.transport },
      { provide: CheckRightsUseCase, useValue: deps.checkRights },
      { provide: LotService, useValue: deps.lots },
      { provide: LotStore, useValue: deps.lotStore },
      { provide: APP_FILTER, useClass: FhirErrorFilter },
      KioskGuard,
    ];
    return { module: AppModule, controllers: [FhirController, LotsController, TransportController, HealthController, OpenApiController], providers };
  }
}
