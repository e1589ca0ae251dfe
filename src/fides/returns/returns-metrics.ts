import { Counter, Gauge } from 'prom-client';
import type { Metrics } from '../../observability/metrics';

/**
 * The FIDES returns' metrics, on the gateway's registry (declared here, with the flow, so that the flows' branches do
 * not all edit observability/metrics.ts). Labels: kinds, statuses, error codes and states — never a value of a file.
 */
export class FidesReturnMetrics {
  readonly returns: Counter<'kind' | 'status' | 'code'>;
  readonly invoiceStates: Gauge<'state'>;

  constructor(metrics: Metrics) {
    this.returns = new Counter({
      name: 'passerelle_fides_returns_total',
      help: 'FIDES return files (ARL, RSP) by kind and what became of them: applied, duplicate (applied once already) or error (code; nothing applied)',
      labelNames: ['kind', 'status', 'code'] as const,
      registers: [metrics.registry],
    });
    this.invoiceStates = new Gauge({
      name: 'passerelle_fides_invoices',
      help: 'FIDES invoices by state, read at scrape time',
      labelNames: ['state'] as const,
      registers: [metrics.registry],
    });
  }
}
