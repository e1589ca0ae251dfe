/**
 * The FIDES returns handler on the real PostgreSQL, fed ReturnedFile objects rendered with the NOEMIE renderer, as the
 * returns intake hands them over: ARL positive and negative, RSP paid / partly paid / warned / rejected with the
 * payments, every invoice state checked; a duplicate return applied once; malformed files, wrong totals, unknown
 * lots and unknown invoices recorded as errors with nothing applied; never a NIR in what is recorded.
 */
import { type DataSource } from 'typeorm';
import { writeRecord } from '../../src/fides/b2/record-writer';
import { noemieLayouts } from '../../src/fides/b2/layouts';
import { FidesReturnsHandler } from '../../src/fides/returns/fides-returns.handler';
import { FidesReturnMetrics } from '../../src/fides/returns/returns-metrics';
import { Metrics } from '../../src/observability/metrics';
import type { Sql } from '../../src/persistence/sql';
import { arlFor, returnedFile, RSP_NIR, rspFor, seedLot, type SeededLot } from '../support/fides-returns';
import { createMigratedDatabase } from '../support/migrated-database';

describe('FIDES returns handler (ARL, NOEMIE RSP)', () => {
  let db: { url: string; drop: () => Promise<void> };
  let ds: DataSource;
  let sql: Sql;
  let metrics: Metrics;
  let handler: FidesReturnsHandler;

  beforeAll(async () => {
    ({ db, ds, sql } = await createMigratedDatabase(4));
    metrics = new Metrics();
    handler = new FidesReturnsHandler(sql, undefined, new FidesReturnMetrics(metrics));
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  const states = async (lot: SeededLot): Promise<string[]> =>
    (
      await sql.rows<{ state: string }>(
        `SELECT i.state FROM fides_lot_invoice li JOIN invoice i ON i.id = li.invoice_id WHERE li.lot_id = $1 ORDER BY li.position`,
        [lot.id],
      )
    ).map((r) => r.state);
  const lotRow = async (lot: SeededLot) =>
    sql.one<{ state: string; arl_status: string | null; arl_reason: string | null }>(
      `SELECT state, arl_status, arl_reason FROM fides_lot WHERE id = $1`,
      [lot.id],
    );
  const returnRow = async (id: string) =>
    sql.one<{ status: string; kind: string; error_code: string | null; error_detail: string | null; duplicate_of: string | null }>(
      `SELECT status, kind, error_code, error_detail, duplicate_of FROM fides_return WHERE id = $1`,
      [id],
    );
  /** Everything a return could have changed, to prove an error changed nothing. */
  const snapshot = async (lot: SeededLot) => ({
    lot: await lotRow(lot),
    states: await states(lot),
    transitions: (
      await sql.one<{ n: number }>(
        `SELECT count(*)::int AS n FROM invoice_transition t JOIN fides_lot_invoice li ON li.invoice_id = t.invoice_id WHERE li.lot_id = $1`,
        [lot.id],
      )
    )?.n,
    outcomes: (await sql.one<{ n: number }>(`SELECT count(*)::int AS n FROM invoice_outcome WHERE lot_id = $1`, [lot.id]))?.n,
    payments: (await sql.one<{ n: number }>(`SELECT count(*)::int AS n FROM fides_payment WHERE lot_id = $1`, [lot.id]))?.n,
  });

  it('positive ARL: lot and invoices acknowledged; then the RSP pays, partly pays, warns and rejects', async () => {
    const lot = await seedLot(sql, [2100, 3000, 1500, 4000]);
    const arl = returnedFile('ARL', lot, arlFor(lot, 'P'));
    expect(await handler.apply(arl)).toEqual({ status: 'applied', kind: 'ARL', invoices: 4 });
    expect(await lotRow(lot)).toMatchObject({ state: 'acknowledged', arl_status: 'positive' });
    expect(await states(lot)).toEqual(['acknowledged', 'acknowledged', 'acknowledged', 'acknowledged']);

    const [a, b, c, d] = lot.invoices;
    const rsp = returnedFile(
      'RSP',
      lot,
      rspFor(lot, [
        { invoice: a.number, outcome: 'P', paid: 2100 },
        { invoice: b.number, outcome: 'P', paid: 2500, billed: 3000 },
        { invoice: c.number, outcome: 'S', paid: 1500, motive: ['SG014', 'Parcours de soins non renseigne'] },
        { invoice: d.number, outcome: 'R', billed: 4000, motive: ['DF001', 'Droits fermes a la date des soins'] },
      ]),
    );
    expect(await handler.apply(rsp)).toEqual({ status: 'applied', kind: 'RSP', invoices: 4 });
    expect(await states(lot)).toEqual(['paid', 'partly-paid', 'warned', 'rejected']);
    const outcomes = await sql.rows<Record<string, unknown>>(
      `SELECT o.outcome, o.billed_cents::int AS billed, o.paid_cents::int AS paid, o.payment_reference, o.payment_date::text AS date,
         o.reject_code, o.reject_wording, o.amount_mismatch, o.payment_id IS NOT NULL AS has_payment
       FROM invoice_outcome o JOIN fides_lot_invoice li ON li.invoice_id = o.invoice_id AND li.lot_id = o.lot_id
       WHERE o.lot_id = $1 ORDER BY li.position`,
      [lot.id],
    );
    expect(outcomes).toEqual([
      {
        outcome: 'paid',
        billed: 2100,
        paid: 2100,
        payment_reference: 'VIR20261210A',
        date: '2026-12-10',
        reject_code: null,
        reject_wording: null,
        amount_mismatch: false,
        has_payment: true,
      },
      {
        outcome: 'partly-paid',
        billed: 3000,
        paid: 2500,
        payment_reference: 'VIR20261210A',
        date: '2026-12-10',
        reject_code: null,
        reject_wording: null,
        amount_mismatch: true,
        has_payment: true,
      },
      {
        outcome: 'warned',
        billed: 1500,
        paid: 1500,
        payment_reference: 'VIR20261210A',
        date: '2026-12-10',
        reject_code: null,
        reject_wording: null,
        amount_mismatch: false,
        has_payment: true,
      },
      {
        outcome: 'rejected',
        billed: 4000,
        paid: 0,
        payment_reference: null,
        date: null,
        reject_code: 'DF001',
        reject_wording: 'DROITS FERMES A LA DATE DES SOINS',
        amount_mismatch: false,
        has_payment: false,
      },
    ]);
    const stored = await sql.one<{ motives: unknown }>(`SELECT motives FROM invoice_outcome WHERE invoice_id = $1`, [d.id]);
    // The motive's original value (here the NIR) is not kept: code, datum and wording only.
    expect(stored?.motives).toEqual([{ anomalyCode: 'DF001', dataConcerned: 'NIR', comment: 'DROITS FERMES A LA DATE DES SOINS' }]);
    const payments = await sql.rows(
      `SELECT reference, payment_date::text AS date, amount_cents::int AS amount, invoice_count AS count, finess FROM fides_payment WHERE lot_id = $1`,
      [lot.id],
    );
    expect(payments).toEqual([{ reference: 'VIR20261210A', date: '2026-12-10', amount: 6100, count: 3, finess: '990000028' }]);
    const history = await sql.rows<{ from_state: string; to_state: string; cause: string; actor: string }>(
      `SELECT from_state, to_state, cause, actor FROM invoice_transition WHERE invoice_id = $1 ORDER BY id`,
      [d.id],
    );
    expect(history.slice(-2).map((h) => [h.from_state, h.to_state])).toEqual([
      ['sent', 'acknowledged'],
      ['acknowledged', 'rejected'],
    ]);
    expect(history[history.length - 1].actor).toBe(`return:${rsp.id}`);
    expect(await returnRow(rsp.id)).toMatchObject({ status: 'applied', kind: 'RSP', error_code: null });
  });

  it('negative ARL: lot refused with its reason, invoices sent → file-refused → ready, lot_id cleared', async () => {
    const lot = await seedLot(sql, [1000, 2000]);
    const arl = returnedFile('ARL', lot, arlFor(lot, 'N', { reasonCode: 'SIGN' }));
    expect(await handler.apply(arl)).toMatchObject({ status: 'applied', kind: 'ARL' });
    const row = await lotRow(lot);
    expect(row).toMatchObject({ state: 'refused', arl_status: 'negative' });
    expect(row?.arl_reason).toBe('reason SIGN; NIRK at B2 line 3 record 2 field NIR');
    expect(row?.arl_reason).not.toContain(RSP_NIR);
    expect(await states(lot)).toEqual(['ready', 'ready']);
    const ids = lot.invoices.map((i) => i.id);
    expect(await sql.rows(`SELECT lot_id FROM invoice WHERE id = ANY($1::uuid[])`, [ids])).toEqual([{ lot_id: null }, { lot_id: null }]);
    const history = await sql.rows<{ from_state: string; to_state: string }>(
      `SELECT from_state, to_state FROM invoice_transition WHERE invoice_id = $1 ORDER BY id`,
      [ids[0]],
    );
    expect(history.slice(-2).map((h) => `${h.from_state}>${h.to_state}`)).toEqual(['sent>file-refused', 'file-refused>ready']);
    // The lot keeps which invoices it held (history); the invoices are free for a new lot.
    expect((await sql.one<{ n: number }>(`SELECT count(*)::int AS n FROM fides_lot_invoice WHERE lot_id = $1`, [lot.id]))?.n).toBe(2);
    // An RSP for the refused lot is an error.
    const rsp = returnedFile('RSP', lot, rspFor(lot, [{ invoice: lot.invoices[0].number, outcome: 'P', paid: 1000 }]));
    expect(await handler.apply(rsp)).toMatchObject({ status: 'error', code: 'RSP-LOT-REFUSED' });
  });

  it('a duplicate return (same id again, or the same file re-dropped as a new return) is applied once', async () => {
    const lot = await seedLot(sql, [1200]);
    const text = rspFor(lot, [{ invoice: lot.invoices[0].number, outcome: 'P', paid: 1200 }], { returnFileId: `DUP${Date.now() % 1e10}` });
    const first = returnedFile('RSP', lot, text);
    expect(await handler.apply(first)).toMatchObject({ status: 'applied' });
    const after = await snapshot(lot);
    expect(await handler.apply(first)).toEqual({ status: 'already-handled' });
    const again = returnedFile('RSP', lot, text);
    // Delivered twice at once as well: one duplicate row each, nothing applied twice.
    const racing = returnedFile('RSP', lot, text);
    const results = await Promise.all([handler.apply(again), handler.apply(racing)]);
    expect(results).toEqual([
      { status: 'duplicate', kind: 'RSP', of: first.id },
      { status: 'duplicate', kind: 'RSP', of: first.id },
    ]);
    expect(await snapshot(lot)).toEqual(after);
    expect(after.outcomes).toBe(1);
    expect(after.payments).toBe(1);
    expect(await returnRow(again.id)).toMatchObject({ status: 'duplicate', duplicate_of: first.id });
  });

  it('the first two deliveries of a new return racing: one applied, the other a duplicate', async () => {
    const lot = await seedLot(sql, [1300, 1400]);
    const text = rspFor(
      lot,
      lot.invoices.map((i) => ({ invoice: i.number, outcome: 'P' as const, paid: i.amoCents })),
    );
    const files = [returnedFile('RSP', lot, text), returnedFile('RSP', lot, text), returnedFile('RSP', lot, text)];
    const results = await Promise.all(files.map((f) => handler.apply(f)));
    expect(results.map((r) => r.status).sort()).toEqual(['applied', 'duplicate', 'duplicate']);
    expect(await states(lot)).toEqual(['paid', 'paid']);
    expect((await snapshot(lot)).outcomes).toBe(2);
  });

  it('the RSP of a lot whose ARL was lost acknowledges it implicitly, then applies the outcomes', async () => {
    const lot = await seedLot(sql, [900, 800]);
    const rsp = returnedFile(
      'RSP',
      lot,
      rspFor(
        lot,
        lot.invoices.map((i) => ({ invoice: i.number, outcome: 'P' as const, paid: i.amoCents })),
      ),
    );
    expect(await handler.apply(rsp)).toMatchObject({ status: 'applied', invoices: 2 });
    expect(await states(lot)).toEqual(['paid', 'paid']);
    expect(await lotRow(lot)).toMatchObject({ state: 'acknowledged', arl_status: 'implicit' });
    const history = await sql.rows<{ from_state: string; to_state: string; cause: string }>(
      `SELECT from_state, to_state, cause FROM invoice_transition WHERE invoice_id = $1 ORDER BY id`,
      [lot.invoices[0].id],
    );
    expect(history.slice(-2).map((h) => `${h.from_state}>${h.to_state}`)).toEqual(['sent>acknowledged', 'acknowledged>paid']);
    expect(history[history.length - 2].cause).toMatch(/^rsp-implies-acknowledged/);
    // The late ARL then finds the lot settled: recorded as an error, nothing changes.
    const before = await snapshot(lot);
    expect(await handler.apply(returnedFile('ARL', lot, arlFor(lot, 'P')))).toMatchObject({ status: 'error', code: 'ARL-LOT-SETTLED' });
    expect(await snapshot(lot)).toEqual(before);
  });

  describe('refused returns: recorded with their error, nothing applied, no NIR', () => {
    const cases: Array<[string, string, (lot: SeededLot) => ReturnType<typeof returnedFile>]> = [
      [
        'malformed (a line cut short)',
        'RETURN-MALFORMED',
        (lot) => {
          const lines = rspFor(lot, [{ invoice: lot.invoices[0].number, outcome: 'P', paid: 1000 }]).split('\r\n');
          lines[2] = lines[2].slice(0, 90);
          return returnedFile('RSP', lot, lines.join('\r\n'));
        },
      ],
      [
        'totals that do not add up',
        'RETURN-TOTALS',
        (lot) => {
          const lines = rspFor(lot, [{ invoice: lot.invoices[0].number, outcome: 'P', paid: 1000 }]).split('\r\n');
          lines[4] = writeRecord(noemieLayouts(), '990', { entityCount: 3, invoiceCount: 1, totalBilled: 1000, totalPaid: 1001 });
          return returnedFile('RSP', lot, lines.join('\r\n'));
        },
      ],
      [
        'an ARL for a file we never sent',
        'RETURN-UNKNOWN-LOT',
        (lot) => returnedFile('ARL', lot, arlFor(lot, 'P', { fileNumber: '999999' })),
      ],
      [
        'an RSP for an unknown lot number',
        'RETURN-UNKNOWN-LOT',
        (lot) =>
          returnedFile(
            'RSP',
            lot,
            rspFor(lot, [{ invoice: lot.invoices[0].number, outcome: 'P', paid: 1000 }], {
              lotNumber: '000' === lot.lotNumber ? '001' : String((Number(lot.lotNumber) % 999) + 1).padStart(3, '0'),
            }),
          ),
      ],
      [
        'an RSP line for an invoice not in the lot (after a good one)',
        'RSP-UNKNOWN-INVOICE',
        (lot) =>
          returnedFile(
            'RSP',
            lot,
            rspFor(lot, [
              { invoice: lot.invoices[0].number, outcome: 'P', paid: 1000 },
              { invoice: '987654321', outcome: 'P', paid: 500 },
            ]),
          ),
      ],
      [
        'a transfer that does not add up',
        'RSP-PAYMENT-TOTAL',
        (lot) =>
          returnedFile(
            'RSP',
            lot,
            rspFor(lot, [{ invoice: lot.invoices[0].number, outcome: 'P', paid: 1000 }], {
              payments: [{ reference: 'VIR20261210A', amount: 1100, count: 1 }],
            }),
          ),
      ],
      [
        'an unknown outcome letter',
        'RSP-BAD-OUTCOME',
        (lot) => returnedFile('RSP', lot, rspFor(lot, [{ invoice: lot.invoices[0].number, outcome: 'X', billed: 1000 }])),
      ],
      ['no content', 'RETURN-NO-CONTENT', (lot) => ({ ...returnedFile('ARL', lot, ''), content: null })],
    ];

    it.each(cases)('%s → %s', async (_name, code, make) => {
      const lot = await seedLot(sql, [1000]);
      const before = await snapshot(lot);
      const file = make(lot);
      const result = await handler.apply(file);
      expect(result).toMatchObject({ status: 'error', code });
      expect(await snapshot(lot)).toEqual(before);
      const row = await returnRow(file.id);
      expect(row).toMatchObject({ status: 'error', error_code: code });
      expect(row?.error_detail).toBeTruthy();
      expect(JSON.stringify(row)).not.toContain(RSP_NIR);
      // Handled: a redelivery changes nothing and records nothing more.
      expect(await handler.apply(file)).toEqual({ status: 'already-handled' });
    });

    it('counts errors by kind and code in the metrics', async () => {
      const text = await metrics.registry.getSingleMetricAsString('passerelle_fides_returns_total');
      expect(text).toMatch(/passerelle_fides_returns_total\{kind="RSP",status="error",code="RSP-UNKNOWN-INVOICE"\} 1/);
      expect(text).toMatch(/passerelle_fides_returns_total\{kind="RSP",status="applied",code=""\} \d+/);
      expect(text).not.toContain(RSP_NIR);
    });
  });
});
