import { randomBytes } from 'node:crypto';
import { type DataSource } from 'typeorm';
import { parseClaim } from '../../src/fides/fhir/claim.parser';
import { invoiceContentHash } from '../../src/fides/invoice-content-hash';
import { InvoiceStore, type NewInvoice } from '../../src/fides/invoice.store';
import { FieldCipher } from '../../src/persistence/field-cipher';
import type { Sql } from '../../src/persistence/sql';
import { aceClaim, type AceClaimOptions } from '../support/fides-claims';
import { createMigratedDatabase } from '../support/migrated-database';

const HELD = [{ code: 'PF-RANK-REGIME', field: 'patient.beneficiaryRank', severity: 'error' as const, message: 'rank' }];

/**
 * Pre-flight's side of the invoice table on the real PostgreSQL: leases shared by concurrent workers, a crashed
 * worker's invoices coming back, conditional outcomes, new versions of held invoices, the number registry.
 */
describe('InvoiceStore: pre-flight', () => {
  let db: { url: string; drop: () => Promise<void> };
  let ds: DataSource;
  let sql: Sql;
  let invoices: InvoiceStore;
  let store: InvoiceStore;

  beforeAll(async () => {
    ({ db, ds, sql } = await createMigratedDatabase(8));
    const cipher = new FieldCipher({ masterKeys: new Map([['k1', randomBytes(32)]]), activeKeyId: 'k1', pseudonymKey: randomBytes(32) });
    invoices = new InvoiceStore(sql, cipher);
    store = invoices;
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  const incoming = (o: AceClaimOptions): NewInvoice => {
    const draft = parseClaim(aceClaim(o));
    return {
      finess: draft.geographicFiness,
      invoiceNumber: draft.invoiceNumber,
      draft,
      contentHash: invoiceContentHash(draft),
      submittedBy: 'test',
      cause: 'fhir-claim',
    };
  };

  it('concurrent workers never take the same invoice; a crashed worker’s invoices come back once its lease runs out', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 12; i++) ids.add((await invoices.receive(incoming({ invoiceNumber: String(6000 + i) }))).invoice.id);
    const batches = await Promise.all([1, 2, 3, 4].map(() => store.lease('received', 5, 60_000)));
    const taken = batches.flat().map((i) => i.id);
    expect(new Set(taken).size).toBe(taken.length);
    expect(new Set(taken)).toEqual(ids);
    expect(await store.lease('received', 5, 60_000)).toEqual([]);

    // The "crash": nobody settles them. Their leases end (moved into the past here), and another worker takes them.
    await sql.exec(`UPDATE invoice SET preflight_lease_until = now() - interval '1 second' WHERE id = ANY($1)`, [[...ids]]);
    const again = await store.lease('received', 20, 60_000);
    expect(new Set(again.map((i) => i.id))).toEqual(ids);
    // Drafts come back decrypted.
    expect(again[0].draft.patient.insuredNir).toBe('1850799123456');
  });

  it('writes an outcome only from the state and version it read, with its transition', async () => {
    const { invoice } = await invoices.receive(incoming({ invoiceNumber: '6100' }));
    const check = { checkId: '3f1c2a9e-5b7d-4c1e-9a2b-7d6e5f4a3b2c', askedAt: new Date(), attempts: 1 };
    const wait = { findings: [], cause: 'preflight-rights-check-queued', actor: 'fides-preflight', check, nextLookMs: 60_000 };
    expect(await store.settle(invoice, 'received', 'awaiting-rights', wait)).toBe(true);
    expect(await store.settle(invoice, 'received', 'ready', { findings: [], cause: 'preflight', actor: 'x' })).toBe(false);
    // Looked at again only after nextLookMs.
    expect((await store.lease('awaiting-rights', 10, 1000)).map((i) => i.id)).not.toContain(invoice.id);
    await sql.exec(`UPDATE invoice SET preflight_lease_until = now() - interval '1 second' WHERE id = $1`, [invoice.id]);
    const [leased] = (await store.lease('awaiting-rights', 10, 1000)).filter((i) => i.id === invoice.id);
    expect(leased).toMatchObject({ rightsCheckId: check.checkId, rightsAttempts: 1 });
    expect(await store.settle({ id: invoice.id, version: 2 }, 'awaiting-rights', 'ready', { findings: [], cause: 'p', actor: 'x' })).toBe(
      false,
    );
    expect(
      await store.settle(invoice, 'awaiting-rights', 'preflight-failed', {
        findings: HELD,
        cause: 'preflight-rights-answer',
        actor: 'fides-preflight',
      }),
    ).toBe(true);
    expect((await invoices.get(invoice.id))?.preflight).toEqual(HELD);
    expect((await invoices.transitions(invoice.id)).map((t) => `${t.from ?? ''}→${t.to} ${t.cause}`)).toEqual([
      '→received fhir-claim',
      'received→awaiting-rights preflight-rights-check-queued',
      'awaiting-rights→preflight-failed preflight-rights-answer',
    ]);
    expect((await store.held([invoice.finess], 100)).map((h) => h.id)).toContain(invoice.id);
    expect(await store.held(['010000024'], 100)).toEqual([]);
  });

  it('a held invoice takes a new version once (the earlier draft kept, encrypted); any other state does not', async () => {
    const first = incoming({ invoiceNumber: '6200', dependent: '1' });
    const { invoice } = await invoices.receive(first);
    await store.settle(invoice, 'received', 'preflight-failed', { findings: HELD, cause: 'preflight', actor: 'fides-preflight' });

    const fixed = incoming({ invoiceNumber: '6200' });
    const results = await Promise.all([1, 2, 3].map(() => invoices.newVersion(invoice.id, first.contentHash, fixed)));
    const done = results.filter((r) => r !== undefined);
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({ version: 2, state: 'received', contentHash: fixed.contentHash, preflight: undefined });
    const kept = await sql.rows<{ version: number; draft: string; content_hash: string }>(
      `SELECT version, draft, content_hash FROM invoice_version WHERE invoice_id = $1`,
      [invoice.id],
    );
    expect(kept.map((k) => [k.version, k.content_hash])).toEqual([[1, first.contentHash]]);
    expect(kept[0].draft.startsWith('pe1:')).toBe(true);

    // The number registry: taken for the replaced version, free for the current one.
    expect(await store.isInvoiceNumberTaken(invoice.finess, invoice.invoiceNumber, 1)).toBe(true);
    expect(await store.isInvoiceNumberTaken(invoice.finess, invoice.invoiceNumber, 2)).toBe(false);
    expect(await store.isInvoiceNumberTaken(invoice.finess, '000006299', 1)).toBe(false);

    // Now received: no new version.
    expect(await invoices.newVersion(invoice.id, fixed.contentHash, incoming({ invoiceNumber: '6200', unitPrice: 40 }))).toBeUndefined();
  });
});
