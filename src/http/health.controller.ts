import { Controller, Get, Inject } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { EMBEDDED_WARNING, HealthProbes, runHealth } from '../observability/health';
import { Metrics } from '../observability/metrics';
import { CONFIG, HEALTH, METRICS } from '../platform/tokens';
import { Reply } from './reply';
import { Route } from './route-doc';

@Controller()
export class HealthController {
  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    @Inject(METRICS) private readonly metrics: Metrics,
    @Inject(HEALTH) private readonly health: HealthProbes,
  ) {}

  /** Full report: 200 when ok or degraded (embedded mode is always degraded), 503 when a critical part is down. */
  @Get('health')
  @Route({
    summary: 'Health report (database, queue, insurers, mode); 503 when a critical part is down',
    tag: 'Operations',
    secured: false,
  })
  async report(): Promise<Reply> {
    const warnings = this.config.embedded ? [EMBEDDED_WARNING] : [];
    const report = await runHealth(this.health.probes, this.config.embedded, warnings);
    return Reply.json(report, report.status === 'down' ? 503 : 200);
  }

  @Get('health/live')
  @Route({ summary: 'Liveness', tag: 'Operations', secured: false })
  live(): { status: 'up' } {
    return { status: 'up' };
  }

  @Get('health/ready')
  @Route({ summary: 'Readiness (critical dependencies)', tag: 'Operations', secured: false })
  async ready(): Promise<Reply> {
    const report = await runHealth(
      this.health.probes.filter((p) => p.critical),
      false,
      [],
    );
    return Reply.json({ status: report.status, checks: report.checks }, report.status === 'down' ? 503 : 200);
  }

  @Get('metrics')
  @Route({ summary: 'Prometheus metrics', tag: 'Operations', secured: false })
  async metricsText(): Promise<Reply> {
    await this.health.beforeScrape().catch(() => undefined);
    return Reply.text(await this.metrics.registry.metrics(), this.metrics.registry.contentType);
  }
}
