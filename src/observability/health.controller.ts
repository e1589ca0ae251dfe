import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { CONFIG, HEALTH_PROBES, METRICS } from '../app/tokens';
import { AppConfig } from '../config/app-config';
import { HealthProbe, runHealth } from './health';
import { Metrics } from './metrics';

export const EMBEDDED_WARNING =
  'EMBEDDED/SIMULATION MODE: embedded PostgreSQL and/or insurer simulators are in use — not for production';

export interface HealthProbes {
  probes: HealthProbe[];
  /** Refreshes gauges read at scrape time (queue depth). */
  beforeScrape: () => Promise<void>;
}

@Controller()
export class HealthController {
  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    @Inject(METRICS) private readonly metrics: Metrics,
    @Inject(HEALTH_PROBES) private readonly health: HealthProbes,
  ) {}

  /** Full report: 200 when ok or degraded (embedded mode is always degraded), 503 when a critical part is down. */
  @Get('health')
  async report(@Res() res: Response): Promise<void> {
    const warnings = this.config.embedded ? [EMBEDDED_WARNING] : [];
    const report = await runHealth(this.health.probes, this.config.embedded, warnings);
    res.status(report.status === 'down' ? 503 : 200).json(report);
  }

  /** Liveness: the process answers. */
  @Get('health/live')
  live(): { status: 'up' } {
    return { status: 'up' };
  }

  /** Readiness: critical dependencies answer. */
  @Get('health/ready')
  async ready(@Res() res: Response): Promise<void> {
    const report = await runHealth(this.health.probes.filter((p) => p.critical), false, []);
    res.status(report.status === 'down' ? 503 : 200).json({ status: report.status, checks: report.checks });
  }

  @Get('metrics')
  async metricsText(@Res() res: Response): Promise<void> {
    await this.health.beforeScrape().catch(() => undefined);
    res.type(this.metrics.registry.contentType).send(await this.metrics.registry.metrics());
  }
}
