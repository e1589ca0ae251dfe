/**
 * The lot parts of the FIDES flow, built apart so that fides.flow.ts only spreads them in: the lots service, its
 * route, the periodic schedule (worker role), the /health probes and the gauges.
 *
 * Gauges (read at scrape time): passerelle_fides_lots{state}, passerelle_fides_lots_arl_overdue,
 * passerelle_fides_invoices_unrouted{caisse} (ready invoices whose caisse has no recipient, as of the last schedule run).
 */
import { Gauge } from 'prom-client';
import type { FidesLotsConfig } from '../../config/fides-lots-config';
import type { HealthProbe } from '../../observability/health';
import type { FlowContext } from '../../platform/flow';
import { LOT_TRANSMISSION } from '../../platform/lot-transmission';
import type { PeriodicTask } from '../../platform/periodic-task';
import { testCrashAt } from '../../platform/test-crash';
import type { InvoiceStore } from '../invoice.store';
import { CloseLotsUseCase } from './close-lots.use-case';
import { LotHandover } from './lot-handover';
import { loadLotRecipients } from './lot-recipients-directory';
import { LotStore } from './lot.store';
import { LotsService } from './lots.service';

/** A lot not handed over this long after closing is reported (the sweep runs every FIDES_LOT_SWEEP_INTERVAL_MS). */
const STUCK_MINUTES = 10;

export interface LotsPart {
  service: LotsService;
  periodic: PeriodicTask[];
  probes: HealthProbe[];
  beforeScrape: () => Promise<void>;
}

export function buildLotsPart(ctx: FlowContext, cfg: FidesLotsConfig, invoices: InvoiceStore): LotsPart {
  const { db, metrics, services, log } = ctx;
  const recipients = loadLotRecipients(cfg.recipientsFile);
  // Built after transport (registry order): absent when transport is off — lots are then numbered but not sent.
  const transmission = services.get(LOT_TRANSMISSION);
  const store = new LotStore(db);
  const closer = new CloseLotsUseCase(
    db,
    invoices,
    store,
    recipients,
    {
      emitterId: cfg.emitterFiness,
      maxInvoicesPerLot: cfg.maxInvoicesPerLot,
      timeZone: cfg.timeZone,
      testIndicator: cfg.testIndicator,
      b2Context: cfg.b2Context,
    },
    { testHooks: { afterCommit: testCrashAt(ctx.config.testCrashAt, 'lot-numbered') } },
  );
  const service = new LotsService(db, store, closer, new LotHandover(db, store, invoices, transmission), {
    cutoff: cfg.cutoff,
    cutoffByFiness: cfg.cutoffByFiness,
    timeZone: cfg.timeZone,
    arlAlertHours: cfg.arlAlertHours,
  });
  const unknownRecipients = transmission
    ? recipients.recipientIds.filter((id) => !transmission.knowsRecipient(id))
    : recipients.recipientIds;

  const lotGauge = new Gauge({
    name: 'passerelle_fides_lots',
    help: 'FIDES B2 lots by state (numbered, handed-over, sent, acknowledged, refused), read at scrape time',
    labelNames: ['state'] as const,
    registers: [metrics.registry],
  });
  const arlOverdueGauge = new Gauge({
    name: 'passerelle_fides_lots_arl_overdue',
    help: 'FIDES B2 lots sent longer than FIDES_ARL_ALERT_HOURS without an ARL; alert above 0',
    registers: [metrics.registry],
  });
  const unroutedGauge = new Gauge({
    name: 'passerelle_fides_invoices_unrouted',
    help: 'Ready FIDES invoices left out of lots because their caisse (grand régime/caisse) has no recipient in FIDES_RECIPIENTS_FILE',
    labelNames: ['caisse'] as const,
    registers: [metrics.registry],
  });

  const caisse = (u: { grandRegime?: string; managingFund?: string }): string => `${u.grandRegime ?? '??'}/${u.managingFund ?? '???'}`;
  const probes: HealthProbe[] = [
    {
      name: 'fides-lots-arl',
      critical: false,
      ttlMs: 5_000,
      check: async () => {
        const n = await store.arlOverdue(cfg.arlAlertHours);
        return n === 0
          ? { status: 'up' }
          : { status: 'degraded', detail: `${n} lot(s) sent over ${cfg.arlAlertHours} h ago without an ARL (GET /fides/lots?arl=overdue)` };
      },
    },
    {
      name: 'fides-lots-routing',
      critical: false,
      ttlMs: 5_000,
      check: async () => {
        const problems: string[] = [];
        const stuck = await store.stuckNumbered(STUCK_MINUTES);
        if (stuck > 0)
          problems.push(
            `${stuck} lot(s) numbered over ${STUCK_MINUTES} min ago and not handed over${transmission ? '' : ': transport is not configured'}`,
          );
        if (unknownRecipients.length > 0)
          problems.push(`recipient(s) without a transport route or certificate: ${unknownRecipients.join(', ')}`);
        const unrouted = service.unrouted;
        if (unrouted.length > 0)
          problems.push(
            `ready invoices of caisses with no recipient (FIDES_RECIPIENTS_FILE): ${unrouted.map((u) => `${caisse(u)} ${u.finess} ×${u.invoices}`).join(', ')}`,
          );
        return problems.length === 0 ? { status: 'up' } : { status: 'degraded', detail: problems.join('; ') };
      },
    },
  ];

  return {
    service,
    probes,
    periodic: [
      {
        name: 'fides-lots',
        intervalMs: cfg.sweepIntervalMs,
        run: async () => {
          const r = await service.runSchedule();
          // Ids and problem codes only: a problem's message may quote the invoice number, never a patient value.
          for (const x of r.refused)
            log.warn(
              { invoiceId: x.invoiceId, problems: x.problems.map((p) => `${p.code} ${p.field}`) },
              'FIDES invoice left out of its lot: B2 cannot carry it (stays ready)',
            );
          if (r.bySize + r.byCutoff + r.sweep.handedOver + r.sweep.sent > 0 || r.sweep.failed.length > 0)
            log.info(
              { bySize: r.bySize, byCutoff: r.byCutoff, handedOver: r.sweep.handedOver, sent: r.sweep.sent, failed: r.sweep.failed },
              'FIDES lots',
            );
        },
      },
    ],
    beforeScrape: async () => {
      for (const [state, n] of Object.entries(await store.counts())) lotGauge.set({ state }, n);
      arlOverdueGauge.set(await store.arlOverdue(cfg.arlAlertHours));
      unroutedGauge.reset();
      for (const u of service.unrouted) unroutedGauge.inc({ caisse: caisse(u) }, u.invoices);
    },
  };
}
