import { Client } from 'pg';
import { type DataSource } from 'typeorm';
import { parseClaim } from '../../src/fides/fhir/claim.parser';
import { invoiceContentHash } from '../../src/fides/invoice-content-hash';
import { InvoiceStore } from '../../src/fides/invoice.store';
import { SubscriptionStore } from '../../src/fides/subscriptions/subscription.store';
import type { Sql } from '../../src/persistence/sql';
import { aceClaim, FIDES_TEST_FINESS } from '../support/fides-claims';
import { createMigratedDatabase } from '../support/migrated-database';
import { waitFor } from '../support/wait-for';

/**
 * The subscription cursor on the real PostgreSQL: a transition whose transaction commits after a later-numbered one
 * is still delivered (an id-only cursor would have skipped it), and a lease keeps a second worker away.
 */
describe('SubscriptionStore cursor', () => {
  let db: { url: string; drop: () => Promise<void> };
  let ds: DataSource;
  let invoices: InvoiceStore;
  let subscriptions: SubscriptionStore;

  beforeAll(async () => {
    let sql: Sql;
    ({ db, ds, sql } = await createMigratedDatabase(4));
    invoices = new InvoiceStore(sql);
    subscriptions = new SubscriptionStore(sql);
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  const receive = async (invoiceNumber: string) => {
    const draft = parseClaim(aceClaim({ invoiceNumber }));
    const { invoice } = await invoices.receive({
      finess: draft.geographicFiness,
      invoiceNumber: draft.invoiceNumber,
      draft,
      contentHash: invoiceContentHash(draft),
      submittedBy: 'test',
      cause: 'test',
    });
    return invoice.id;
  };
  const request = {
    status: 'active' as const,
    reason: 'test',
    criteria: 'ClaimResponse',
    endpoint: 'https://gap.example.org/fhir',
    headers: [],
  };

  it('never moves past a transition still being written, and returns it once its transaction commits', async () => {
    const a = await receive('801');
    const b = await receive('802');
    const sub = await subscriptions.create({ clientId: 'c1', finess: [FIDES_TEST_FINESS], scopeAll: false }, request, 10);
    expect(sub).toBeDefined();

    // A peer's transaction takes the smaller id and stays open; another transition commits after it with a larger id.
    const slow = new Client({ connectionString: db.url });
    await slow.connect();
    try {
      await slow.query('BEGIN');
      await slow.query(
        `WITH up AS (UPDATE invoice SET state = 'ready' WHERE id = $1 RETURNING id)
         INSERT INTO invoice_transition (invoice_id, from_state, to_state, cause, actor) SELECT id, 'received', 'ready', 'slow', 'test' FROM up`,
        [a],
      );
      expect(await invoices.transition(b, 'received', 'ready', 'fast', 'test')).toBe(true);
      const ids = await ds.query<Array<{ id: string; invoice_id: string }>>(
        `SELECT id::text, invoice_id FROM invoice_transition WHERE cause <> 'test' ORDER BY id`,
      );
      expect(ids.map((r) => r.invoice_id)).toEqual([b]); // a's row is not visible yet…

      // …and the committed one is held back too: delivering it would let the cursor pass a's. (The receptions may be
      // pending: a new subscription starts at the horizon, which another database's open transaction can hold back.)
      expect((await subscriptions.pending(sub!, 100)).map((t) => t.id)).not.toContain(ids[0].id);
      await slow.query('COMMIT');
    } finally {
      await slow.end();
    }
    // Waited for, not read at once: the horizon is the cluster's oldest open transaction (pg_snapshot_xmin), and on a
    // shared server another database's transaction may still hold it back a moment.
    const moved = (
      await ds.query<Array<{ id: string }>>(`SELECT id::text FROM invoice_transition WHERE cause IN ('slow', 'fast') ORDER BY id`)
    ).map((r) => r.id);
    const pending = await waitFor('both transitions past the horizon', async () => {
      const p = (await subscriptions.pending(sub!, 100)).filter((t) => moved.includes(t.id));
      return p.length >= 2 ? p : undefined;
    });
    expect(pending.map((t) => t.invoiceId)).toEqual([a, b]);
    expect(BigInt(pending[0].id)).toBeLessThan(BigInt(pending[1].id));
  });

  it('leases a due subscription to one worker; the cursor moves only under that lease, never backwards', async () => {
    const sub = (await subscriptions.create({ clientId: 'c2', finess: [FIDES_TEST_FINESS], scopeAll: false }, request, 10))!;
    await invoices.transition(await receive('803'), 'received', 'ready', 'x', 'test');
    const first = await subscriptions.lease('00000000-0000-4000-8000-000000000001', 60000, 100);
    expect(first.map((s) => s.id)).toContain(sub.id);
    expect((await subscriptions.lease('00000000-0000-4000-8000-000000000002', 60000, 100)).map((s) => s.id)).not.toContain(sub.id);

    const [t1, t2] = await waitFor('the two transitions past the horizon', async () => {
      const p = await subscriptions.pending(sub, 100);
      return p.length >= 2 ? p : undefined;
    });
    expect(await subscriptions.advance(sub.id, '00000000-0000-4000-8000-000000000002', t1, 1, 60000)).toBe(false);
    expect(await subscriptions.advance(sub.id, '00000000-0000-4000-8000-000000000001', t2, 1, 60000)).toBe(true);
    expect(await subscriptions.advance(sub.id, '00000000-0000-4000-8000-000000000001', t1, 1, 60000)).toBe(false);
    expect((await subscriptions.get(sub.id))?.cursor).toEqual({ tx: t2.tx, id: t2.id });
  });
});
