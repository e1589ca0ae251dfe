import { type AppLogger } from '../observability/logger';
import { type Metrics } from '../observability/metrics';
import { type Sql } from '../persistence/sql';
import { type PeriodicTask } from './periodic-task';
import { checkRule, eraseBatch, isTableRule, purgeBatch, type RetentionRule } from '../persistence/retention';

export interface RetentionSettings {
  /** Days per kind from RETENTION (kind:days, or null for "never purge"); kinds not named keep their default. */
  days: ReadonlyMap<string, number | null>;
  /** Rows per statement. */
  batchSize: number;
  /** Batches per kind and run: a backlog is worked off over several runs rather than in one long one. */
  maxBatchesPerRun: number;
  intervalMs: number;
}

export interface ErasureReport {
  /** Rows erased (deleted, or their patient columns cleared) per kind. */
  erased: Record<string, number>;
  /** Kinds kept by law, with the reason. */
  kept: Record<string, string>;
}

/**
 * Runs every flow's retention rules (platform/retention.ts) in the worker role, as a periodic task, and erases a
 * patient's data on request. Rules run in declaration order, so a rule whose rows others reference (a lot, after its
 * items) is declared after them.
 */
export class RetentionRunner {
  constructor(
    private readonly db: Sql,
    readonly rules: readonly RetentionRule[],
    private readonly settings: RetentionSettings,
    private readonly metrics: Metrics,
    private readonly log: AppLogger,
    /** The keyed NIR pseudonym of encrypted rows (FieldCipher.pseudonym); absent without encryption keys. */
    private readonly pseudonym?: (nir: string) => Buffer,
  ) {
    const kinds = new Set<string>();
    for (const r of rules) {
      checkRule(r);
      if (kinds.has(r.kind)) throw new Error(`Retention kind "${r.kind}" is declared twice`);
      kinds.add(r.kind);
    }
    // Checked here, once the flows are known: a misspelt kind would otherwise keep data forever, silently.
    const unknown = [...settings.days.keys()].filter((k) => !kinds.has(k));
    if (unknown.length) throw new Error(`RETENTION: unknown kinds ${unknown.join(', ')} (known: ${[...kinds].join(', ')})`);
  }

  /** Days a kind is kept, or null when its purge is off. */
  daysOf(rule: RetentionRule): number | null {
    return this.settings.days.has(rule.kind) ? (this.settings.days.get(rule.kind) ?? null) : rule.defaultDays;
  }

  /** Days kept per kind, 'off' where the purge is off (logged at boot: what an auditor asks first). */
  periods(): Record<string, number | 'off'> {
    return Object.fromEntries(this.rules.map((r) => [r.kind, this.daysOf(r) ?? 'off']));
  }

  /** One pass over every rule; rows removed per kind. */
  async runOnce(): Promise<Record<string, number>> {
    const removed: Record<string, number> = {};
    for (const rule of this.rules) {
      const days = this.daysOf(rule);
      if (days === null) continue;
      let total = 0;
      for (let batch = 0; batch < this.settings.maxBatchesPerRun; batch++) {
        const n = isTableRule(rule)
          ? await purgeBatch(this.db, rule, days, this.settings.batchSize)
          : await rule.purge(days, this.settings.batchSize);
        total += n;
        if (n < this.settings.batchSize) break;
      }
      removed[rule.kind] = total;
      if (total > 0) this.metrics.retentionDeleted.inc({ kind: rule.kind }, total);
    }
    this.metrics.retentionLastRun.set(Date.now() / 1000);
    const purged = Object.entries(removed).filter(([, n]) => n > 0);
    if (purged.length) this.log.info({ removed: Object.fromEntries(purged) }, 'Retention: expired data removed');
    return removed;
  }

  task(): PeriodicTask {
    return { name: 'retention', intervalMs: this.settings.intervalMs, run: () => this.runOnce() };
  }

  /** Erases a patient's data in every kind that allows it; kinds kept by law are listed with their reason. */
  async erase(nir: string): Promise<ErasureReport> {
    const report: ErasureReport = { erased: {}, kept: {} };
    for (const rule of this.rules) {
      if (!rule.erasure) continue;
      if ('kept' in rule.erasure) {
        report.kept[rule.kind] = rule.erasure.kept;
        continue;
      }
      if (!isTableRule(rule)) continue;
      let total = 0;
      for (;;) {
        const n = await eraseBatch(this.db, rule, rule.erasure.where, nir, this.pseudonym?.(nir) ?? null, this.settings.batchSize);
        total += n;
        if (n < this.settings.batchSize) break;
      }
      report.erased[rule.kind] = total;
      if (total > 0) this.metrics.retentionErased.inc({ kind: rule.kind }, total);
    }
    return report;
  }
}
