import { randomBytes } from 'node:crypto';
import { type DataSource } from 'typeorm';
import { MIGRATIONS } from '../../src/app/flows';
import { parseClaim } from '../../src/fides/fhir/claim.parser';
import { invoiceContentHash } from '../../src/fides/invoice-content-hash';
import { IllegalInvoiceTransition } from '../../src/fides/invoice-state';
import { InvoiceStore, type NewInvoice } from '../../src/fides/invoice.store';
import { createDataSource } from '../../src/persistence/data-source';
import { FieldCipher } from '../../src/persistence/field-cipher';
import { migrate } from '../../src/persistence/migrate';
import { Sql } from '../../src/persistence/sql';
import { aceClaim } from '../support/fides-claims';
import { createTestDatabase } from '../support/test-database';

/** The invoice table on the real PostgreSQL: encrypted drafts, one row per number under concurrency, the transition history. */
describe('InvoiceStore', () => {
  let db: { url: string; drop: () => Promise<void> };
  let ds: DataSource;
  let sql: Sql;
  let store: InvoiceStore;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = createDataSource(db.url, 4, MIGRATIONS);
    await ds.initialize();
    await migrate(ds);
    sql = new Sql(ds);
    const cipher = new FieldCipher({ masterKeys: new Map([['k1', randomBytes(32)]]), activeKeyId: 'k1', pseudonymKey: randomBytes(32) });
    store = new InvoiceStore(sql, cipher);
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  const invoice = (invoiceNumber: string): NewInvoice => {
    const draft = parseClaim(aceClaim({ invoiceNumber }));
    return {
      finess: draft.geographicFiness,
      invoiceNumber: draft.invoiceNumber,
      draft,
      contentHash: invoiceContentHash(draft),
      submittedBy: 'test',
      cause: 'fhir-claim',
    };
  };

  it('keeps the draft encrypted at rest and reads it back', async () => {
    const { invoice: stored, created } = await store.receive(invoice('5001'));
    expect(created).toBe(true);
    const raw = await sql.one<{ draft: string }>(`SELECT draft FROM invoice WHERE id = $1`, [stored.id]);
    expect(raw?.draft.startsWith('pe1:')).toBe(true);
    expect(raw?.draft).not.toContain('1850799123456');
    expect((await store.get(stored.id))?.draft).toEqual(invoice('5001').draft);
  });

  it('stores one row per (FINESS, number) when the same invoice arrives concurrently', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => store.receive(invoice('5002'))));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.invoice.id)).size).toBe(1);
    const history = await store.transitions(results[0].invoice.id);
    expect(history.map((t) => [t.from, t.to, t.cause])).toEqual([[null, 'received', 'fhir-claim']]);
  });

  it('records each transition with cause and actor, refuses illegal ones and a stale "from"', async () => {
    const { invoice: stored } = await store.receive(invoice('5003'));
    expect(await store.transition(stored.id, 'received', 'ready', 'preflight-ok', 'system')).toBe(true);
    // Already moved on: a second worker's identical move does nothing.
    expect(await store.transition(stored.id, 'received', 'ready', 'preflight-ok', 'system')).toBe(false);
    await expect(store.transition(stored.id, 'ready', 'paid', 'x', 'system')).rejects.toThrow(IllegalInvoiceTransition);
    expect((await store.get(stored.id))?.state).toBe('ready');
    expect((await store.transitions(stored.id)).map((t) => `${t.from ?? ''}→${t.to} ${t.cause} ${t.actor}`)).toEqual([
      '→received fhir-claim test',
      'received→ready preflight-ok system',
    ]);
  });

  it('refuses a zero invoice number in the database too', async () => {
    await expect(sql.exec(`UPDATE invoice SET invoice_number = '000000000' WHERE invoice_number = '000005003'`)).rejects.toThrow(/check/i);
  });
});
