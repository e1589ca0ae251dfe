import { Controller, Get, Inject } from '@nestjs/common';
import { seesEverything, type Principal } from '../access/roles';
import { AppConfig } from '../config/app-config';
import { EMBEDDED_WARNING, HealthProbes, runHealth } from '../observability/health';
import { Metrics } from '../observability/metrics';
import { CONFIG, HEALTH, METRICS } from '../platform/tokens';
import { OptionalCaller } from './access.guard';
import { Reply } from './reply';
import { Route } from './route-doc';

@Controller()
export class HealthController {
  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    @Inject(METRICS) private readonly metrics: Metrics,
    @Inject(HEALTH) private readonly health: HealthProbes,
  ) {}

  /**
   * 200 when ok or degraded (embedded mode is always degraded), 503 when a critical part is down. Anyone gets the
   * status and mode (load balancers, monitors); the checks — which name establishments, certificates and insurer
   * endpoints — only an authenticated operator or admin.
   */
  @Get('health')
  @Route({
    summary: 'Health: status and mode for anyone; the report of every check (database, queue, insurers, certificates) for operators',
    tag: 'Operations',
    roles: 'anonymous',
  })
  async report(@OptionalCaller() caller: Principal | undefined): Promise<Reply> {
    const warnings = this.config.embedded ? [EMBEDDED_WARNING] : [];
    const report = await runHealth(this.health.probes, this.config.embedded, warnings);
    const status = report.status === 'down' ? 503 : 200;
    if (caller && seesEverything(caller)) return Reply.json(report, status);
    return Reply.json({ status: report.status, mode: report.mode }, status);
  }

  @Get('health/live')
  @Route({ summary: 'Liveness', tag: 'Operations', roles: 'anonymous' })
  live(): { status: 'up' } {
    return { status: 'up' };
  }

  @Get('health/ready')
  @Route({ summary: 'Readiness (critical dependencies); the checks for operators', tag: 'Operations', roles: 'anonymous' })
  async ready(@OptionalCaller() caller: Principal | undefined): Promise<Reply> {
    const report = await runHealth(
      this.health.probes.filter((p) => p.critical),
      false,
      [],
    );
    const status = report.status === 'down' ? 503 : 200;
    if (caller && seesEverything(caller)) return Reply.json({ status: report.status, checks: report.checks }, status);
    return Reply.json({ status: report.status }, status);
  }

  /** Prometheus: an API key with the `metrics` role (or operator) as a bearer token (`authorization.credentials_file`). */
  @Get('metrics')
  @Route({ summary: 'Prometheus metrics', tag: 'Operations', roles: ['metrics', 'operator'] })
  async metricsText(): Promise<Reply> {
    await this.health.beforeScrape().catch(() => undefined);
    return Reply.text(await this.metrics.registry.metrics(), this.metrics.registry.contentType);
  }
}
