/**
 * FIDES lots test wiring, shared by the lots integration test and its crash child (fides-lots-child.ts), so both
 * processes run the very same closing code: the invoice store, the lot store, the close use case, the hand-over.
 * Ready invoices are made directly through InvoiceStore (received → ready), as pre-flight would leave them.
 */
import { createHash } from 'node:crypto';
import { MIGRATIONS } from '../../src/app/flows';
import { InvoiceStore } from '../../src/fides/invoice.store';
import type { InvoiceDraft } from '../../src/fides/invoice-draft';
import { CloseLotsUseCase, type CloseLotsTestHooks } from '../../src/fides/lots/close-lots.use-case';
import { LotHandover } from '../../src/fides/lots/lot-handover';
import { parseLotRecipients } from '../../src/fides/lots/lot-recipients-directory';
import { LotStore } from '../../src/fides/lots/lot.store';
import { LotsService } from '../../src/fides/lots/lots.service';
import { TEST_CONTEXT } from '../../src/fides/lots/lots.test-support';
import { createDataSource } from '../../src/persistence/data-source';
import { Sql } from '../../src/persistence/sql';
import type { LotTransmissionPort } from '../../src/platform/lot-transmission';

/** The hospital's FINESS juridique in the test PKI's seal (test-pki.ts). */
export const TEST_EMITTER = '990000010';

export interface TestLotsConfig {
  databaseUrl: string;
  maxInvoicesPerLot: number;
  /** Caisse `rr/fff` → recipient id. */
  recipients: Record<string, string>;
  cutoffByFiness?: Record<string, string>;
  /** Invoices per planning page (small values exercise the paging). */
  planBatch?: number;
}

export interface TestLots {
  sql: Sql;
  invoices: InvoiceStore;
  store: LotStore;
  closer: CloseLotsUseCase;
  handover: LotHandover;
  service: LotsService;
  close(): Promise<void>;
}

export async function openTestLots(
  cfg: TestLotsConfig,
  opts: { transmission?: LotTransmissionPort; hooks?: CloseLotsTestHooks; now?: () => Date } = {},
): Promise<TestLots> {
  const ds = createDataSource(cfg.databaseUrl, 4, MIGRATIONS);
  await ds.initialize();
  const sql = new Sql(ds);
  const invoices = new InvoiceStore(sql);
  const store = new LotStore(sql);
  const directory = parseLotRecipients({
    entries: Object.entries(cfg.recipients).map(([k, recipientId]) => {
      const [grandRegime, managingFund] = k.split('/');
      return { grandRegime, managingFund, recipientId };
    }),
  });
  const closer = new CloseLotsUseCase(
    sql,
    invoices,
    store,
    directory,
    {
      emitterId: TEST_EMITTER,
      maxInvoicesPerLot: cfg.maxInvoicesPerLot,
      timeZone: 'Europe/Paris',
      testIndicator: 'T',
      b2Context: TEST_CONTEXT,
      planBatch: cfg.planBatch,
    },
    { testHooks: opts.hooks },
  );
  const handover = new LotHandover(sql, store, invoices, opts.transmission);
  const service = new LotsService(
    sql,
    store,
    closer,
    handover,
    { cutoff: '18:00', cutoffByFiness: new Map(Object.entries(cfg.cutoffByFiness ?? {})), timeZone: 'Europe/Paris', arlAlertHours: 48 },
    opts.now,
  );
  return { sql, invoices, store, closer, handover, service, close: () => ds.destroy() };
}

/** A FINESS with its Luhn check digit: `99` + 6 digits of `n` + key. */
export function testFiness(n: number): string {
  const body = `99${String(n).padStart(6, '0')}`;
  for (let k = 0; k <= 9; k++) {
    const candidate = body + k;
    let sum = 0;
    for (let i = 0; i < 9; i++) {
      let d = candidate.charCodeAt(8 - i) - 48;
      if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
      sum += d;
    }
    if (sum % 10 === 0) return candidate;
  }
  throw new Error('unreachable');
}

/** Stores `count` invoices from `template` (numbers from `firstNumber`) for `finess`, and moves them to `ready`. */
export async function seedReady(
  invoices: InvoiceStore,
  template: InvoiceDraft,
  o: { finess: string; firstNumber: number; count: number; managingFund?: string },
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < o.count; i++) {
    const draft: InvoiceDraft = {
      ...template,
      invoiceNumber: String(o.firstNumber + i).padStart(9, '0'),
      geographicFiness: o.finess,
      coverage: { ...template.coverage, managingFund: o.managingFund ?? template.coverage.managingFund },
    };
    const contentHash = createHash('sha256').update(JSON.stringify(draft)).digest('hex');
    const { invoice } = await invoices.receive({
      finess: o.finess,
      invoiceNumber: draft.invoiceNumber,
      draft,
      contentHash,
      submittedBy: 'test',
      cause: 'test',
    });
    if (!(await invoices.transition(invoice.id, 'received', 'ready', 'preflight passed (test)', 'test'))) throw new Error('not received');
    ids.push(invoice.id);
  }
  return ids;
}
