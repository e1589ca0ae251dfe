import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Sampling period of the event-loop delay monitor (ms). */
const LOOP_RESOLUTION_MS = 10;

/**
 * Prometheus metrics. Labels never carry patient data: only event types, outcomes, insurer names and codes.
 * One registry per gateway instance so tests can run several gateways in one process.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly hl7Messages = new Counter({
    name: 'passerelle_hl7_messages_total',
    help: 'HL7 messages received, by message type/event and ACK code',
    labelNames: ['event', 'ack'] as const,
    registers: [this.registry],
  });

  readonly hl7Duplicates = new Counter({
    name: 'passerelle_hl7_duplicates_total',
    help: 'HL7 messages recognised as repeats of an already stored MSH-10 and answered with the original ACK',
    registers: [this.registry],
  });

  readonly hl7IdConflicts = new Counter({
    name: 'passerelle_hl7_id_conflicts_total',
    help: 'HL7 messages reusing an accepted (MSH-3, MSH-4, MSH-10) with different content: refused AR and kept for audit',
    registers: [this.registry],
  });

  readonly hl7SendersRefused = new Counter({
    name: 'passerelle_hl7_senders_refused_total',
    help: 'HL7 messages refused because MSH-3/MSH-4 is not a configured sender for the connection (reason: unknown, source)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly mllpConnectionsRefused = new Counter({
    name: 'passerelle_mllp_connections_refused_total',
    help: 'MLLP connections closed at once because MLLP_MAX_CONNECTIONS were already open',
    registers: [this.registry],
  });

  readonly hl7StorageFailures = new Counter({
    name: 'passerelle_hl7_storage_failures_total',
    help: 'HL7 messages not stored because of a transient storage failure, by what the sender got (close, AE)',
    labelNames: ['answer'] as const,
    registers: [this.registry],
  });

  readonly hl7Parked = new Counter({
    name: 'passerelle_hl7_parked_total',
    help: 'HL7 messages parked after failing the same way on every attempt (poison messages): kept for an operator',
    registers: [this.registry],
  });

  /**
   * Event-loop delay since the previous scrape (perf_hooks.monitorEventLoopDelay, reset at each scrape): what every
   * connection and /health/live waited at worst. bench/hl7-fuzz.bench.ts reads it around its run.
   */
  readonly eventLoopDelay = new Gauge({
    name: 'passerelle_event_loop_delay_seconds',
    help: 'Event-loop delay since the previous scrape, by quantile (0.5, 0.99, 1 = max)',
    labelNames: ['quantile'] as const,
    registers: [this.registry],
    collect: () => this.readEventLoopDelay(),
  });

  private readonly loopMonitor = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });

  readonly hl7AckLatency = new Histogram({
    name: 'passerelle_hl7_ack_latency_seconds',
    help: 'Time from a complete MLLP frame to its ACK being written (storage included)',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly insurerCallDuration = new Histogram({
    name: 'passerelle_insurer_call_duration_seconds',
    help: 'Insurer call duration, by insurer service and outcome (ok or error code)',
    labelNames: ['service', 'outcome'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.5, 3, 6, 12],
    registers: [this.registry],
  });

  readonly insurerErrors = new Counter({
    name: 'passerelle_insurer_errors_total',
    help: 'Insurer call errors by service and error code',
    labelNames: ['service', 'code'] as const,
    registers: [this.registry],
  });

  readonly queueDepth = new Gauge({
    name: 'passerelle_queue_jobs',
    help: 'Jobs per queue and state, read at scrape time',
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
  });

  readonly fhirRequests = new Counter({
    name: 'passerelle_fhir_requests_total',
    help: 'FHIR requests by operation and HTTP status',
    labelNames: ['operation', 'status'] as const,
    registers: [this.registry],
  });

  readonly lotItems = new Gauge({
    name: 'passerelle_cdri_lot_items',
    help: 'Items of the running CDRi lots, by establishment and state (pending, done, failed, changed)',
    labelNames: ['finess', 'state'] as const,
    registers: [this.registry],
  });

  readonly lotEta = new Gauge({
    name: 'passerelle_cdri_lot_eta_seconds',
    help: 'Estimated seconds left for the running CDRi lot of an establishment (-1 = not known yet)',
    labelNames: ['finess'] as const,
    registers: [this.registry],
  });

  readonly transmissions = new Counter({
    name: 'passerelle_transmission_outcomes_total',
    help: 'Lot transmissions that ended an attempt sent or failed',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly transmissionStates = new Gauge({
    name: 'passerelle_transmissions',
    help: 'Lot transmissions by state (queued, sending, sent, failed, acknowledged), read at scrape time',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });

  readonly returnsRefused = new Counter({
    name: 'passerelle_returns_refused_total',
    help: 'Insurer returns stored but refused: unsigned, signed by another than the pinned signer, unlinked; symlinks in the drop folder',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly certificateDaysLeft = new Gauge({
    name: 'passerelle_certificate_days_left',
    help: 'Days before each configured certificate expires, by configured role (cdri-client, http-server, seal, recipient:<id>…); alert under 30',
    labelNames: ['certificate'] as const,
    registers: [this.registry],
  });

  readonly retentionDeleted = new Counter({
    name: 'passerelle_retention_deleted_total',
    help: 'Stored items removed (rows deleted or cleared, spool files) because their retention period was over, by kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly retentionErased = new Counter({
    name: 'passerelle_retention_erased_total',
    help: "Stored items erased on a patient's request (RGPD right to erasure), by kind",
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly retentionLastRun = new Gauge({
    name: 'passerelle_retention_last_run_timestamp_seconds',
    help: 'When the retention purge last finished a pass (Unix time); alert when it falls behind',
    registers: [this.registry],
  });

  readonly embeddedMode = new Gauge({
    name: 'passerelle_embedded_mode',
    help: '1 when the gateway runs on embedded PostgreSQL and/or insurer simulators (not for production)',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'passerelle_' });
    this.loopMonitor.enable();
  }

  private readEventLoopDelay(): void {
    const h = this.loopMonitor;
    // The histogram records the whole timer period: the sampling interval itself is not delay.
    const s = (ns: number): number => (Number.isFinite(ns) ? Math.max(0, ns - LOOP_RESOLUTION_MS * 1e6) / 1e9 : 0);
    this.eventLoopDelay.set({ quantile: '0.5' }, s(h.percentile(50)));
    this.eventLoopDelay.set({ quantile: '0.99' }, s(h.percentile(99)));
    this.eventLoopDelay.set({ quantile: '1' }, s(h.max));
    h.reset();
  }
}
