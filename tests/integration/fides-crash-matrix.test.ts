/**
 * kill -9 of the gateway at each stage of the money path, every part real: gateway processes (PostgreSQL, Redis),
 * the AMO simulator over SMTP (told to drop every RSP twice), the transmission outbox and the returns poller.
 * The process kills itself at the stage named by the TEST-ONLY switch TEST_CRASH_AT (src/config/test-crash-config.ts,
 * refused unless NODE_ENV=test), then a new process takes over on the same database, queue and folders:
 *   1. `lot-numbered`: the lot's numbering committed, not handed over to the outbox;
 *   2. `channel-sent`: the AMO has the file, the outbox has not recorded it — the resend is marked possible_duplicate
 *      (transmission AND lot) and the AMO sees a repeat and answers once;
 *   3. `return-stored`: an ARL/RSP stored raw by the returns intake, not applied yet.
 * After the last restart: no lot lost, file numbers 1…n with no gap and no reuse, no invoice in two lots, nothing sent
 * twice unless marked, every invoice paid, and each return — and the duplicate RSP file — applied exactly once.
 */
import { readdirSync } from 'node:fs';
import type { Client } from 'pg';
import type { AmoSimulator } from '../../src/simulators/amo/amo-simulator';
import { makeTestNir } from '../../src/simulators/cdri/simulated-patients';
import { type BillingFixture, startBillingFixture } from '../support/fides-billing-fixture';
import { aceClaim } from '../support/fides-claims';
import { type GatewayFixture, type GatewayProcess, headersAs } from '../support/gateway-process';
import { waitFor } from '../support/wait-for';

type Json = Record<string, any>;
type CrashPoint = 'lot-numbered' | 'channel-sent' | 'return-stored';

/** Open rights at the CDRi simulator and at the AMO simulator: paid (src/simulators/cdri/simulated-patients.ts). */
const OPEN = makeTestNir({ sex: 2, year: 92, month: 1, dept: '75', commune: 123, order: 123 });
const PATH_PAID = ['received', 'awaiting-rights', 'ready', 'in-lot', 'sent', 'acknowledged', 'paid'];

describe('FIDES kill -9 at each stage of the money path', () => {
  let billing: BillingFixture;
  let fx: GatewayFixture;
  let gw: GatewayProcess;
  let amo: AmoSimulator;
  let db: Client;
  let returnsDir: string;

  beforeAll(async () => {
    billing = await startBillingFixture({
      amo: { faults: { duplicateReturn: true } },
      env: {
        NODE_ENV: 'test',
        // A send whose process was killed is taken over once its job lock expired (default 2 min).
        TRANSMISSION_JOB_LOCK_MS: '3000',
      },
    });
    ({ fx, amo, db, returnsDir } = billing);
    gw = fx.gateway;
  });

  afterAll(async () => billing?.close());

  /** Return files still in the folder (the poller moves what it took to done/). */
  const pendingReturns = () => readdirSync(returnsDir).filter((f) => f.endsWith('.p7m')).length;
  const url = (path: string) => `${gw.baseUrl}${path}`;
  const rows = async <T extends Json>(text: string, params: unknown[] = []): Promise<T[]> => (await db.query<T>(text, params)).rows;
  const states = async (ids: readonly string[]): Promise<string[]> =>
    (await rows<{ state: string }>(`SELECT state FROM invoice WHERE id = ANY($1) ORDER BY id`, [ids])).map((r) => r.state);
  const allIn = async (ids: readonly string[], wanted: string): Promise<boolean> => (await states(ids)).every((s) => s === wanted);

  async function postClaims(numbers: string[]): Promise<string[]> {
    const res = await fetch(url('/fhir'), {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', ...headersAs('gap') },
      body: JSON.stringify({
        resourceType: 'Bundle',
        type: 'batch',
        entry: numbers.map((n) => ({
          resource: aceClaim({ invoiceNumber: n, beneficiaryNir: OPEN }),
          request: { method: 'POST', url: 'Claim' },
        })),
      }),
    });
    expect(res.status).toBe(200);
    const ids = ((await res.json()) as Json).entry.map((e: Json) => {
      expect(e.response.status).toMatch(/^201/);
      return String(e.response.location).split('/')[1];
    });
    await waitFor('pre-flight to make the invoices ready', () => allIn(ids, 'ready'), 60_000);
    return ids;
  }

  const closeLots = () =>
    fetch(url('/fides/lots/close'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headersAs('billing') },
      body: '{}',
    });

  /** Restarts the gateway set to die at `point`, runs `trigger`, and waits for the kill -9. */
  async function crashAt(point: CrashPoint, trigger: () => Promise<unknown> = async () => undefined): Promise<void> {
    gw = await fx.restart({ TEST_CRASH_AT: point });
    await trigger();
    await gw.waitExit();
    expect(gw.logs.join('')).toContain(`TEST_CRASH ${point}`);
  }

  const lotsNow = () =>
    rows<{
      lot_ref: string;
      state: string;
      file_number: string;
      lot_sequence: string;
      possible_duplicate: boolean;
      transmission_id: string | null;
    }>(`SELECT lot_ref, state, file_number, lot_sequence, possible_duplicate, transmission_id FROM fides_lot ORDER BY file_number`);
  const transmissionsOf = (lotRef: string) =>
    rows<{ state: string; possible_duplicate: boolean }>(`SELECT state, possible_duplicate FROM transmission WHERE lot_ref = $1`, [lotRef]);

  it('loses nothing, numbers without gap or reuse, sends twice only under the mark, applies each return once', async () => {
    // Invoices in and ready, on a process that does not crash; it stops before the first crash stage.
    const first = await postClaims(['8001', '8002', '8003']);
    await gw.stop();

    // 1. Killed right after the lot's numbering committed: the lot is there, numbered, its invoices in it, nothing sent.
    await crashAt('lot-numbered', () => closeLots().catch(() => undefined));
    const [numbered] = await lotsNow();
    expect(await lotsNow()).toHaveLength(1);
    expect(numbered).toMatchObject({ state: 'numbered', file_number: '1', transmission_id: null });
    expect(await states(first)).toEqual(['in-lot', 'in-lot', 'in-lot']);
    expect(await transmissionsOf(numbered.lot_ref)).toEqual([]);
    expect(amo.stats().filesReceived).toBe(0);

    // 2. The next process hands the lot over and dies between the channel's answer and its record: the AMO has it.
    await crashAt('channel-sent');
    expect(amo.stats().filesReceived).toBe(1);
    expect(await transmissionsOf(numbered.lot_ref)).toEqual([{ state: 'sending', possible_duplicate: false }]);
    expect((await lotsNow())[0]).toMatchObject({ state: 'handed-over' });

    // 3. The next one stores a return (ARL or RSP, both are in the folder by now) raw, and dies before applying it.
    await waitFor('the AMO to answer the lot', async () => amo.stats().arlWritten === 1 && amo.stats().rspWritten === 1, 30_000);
    await crashAt('return-stored');
    const stored = await rows<{ file_name: string; route_status: string | null }>(`SELECT file_name, route_status FROM inbound_return`);
    expect(stored).toHaveLength(1);
    expect(stored[0].route_status).toBeNull();
    expect(await rows(`SELECT id FROM fides_return`)).toEqual([]);

    // The last process, with no crash point, finishes everything: the stalled send is resent under the mark, the AMO
    // sees a repeat and does not answer it, the stored return and the rest are applied once.
    gw = await fx.restart();
    await waitFor('every invoice of the crashed lot to be paid', () => allIn(first, 'paid'), 60_000);
    await waitFor(
      'the resend and the duplicate RSP',
      async () => {
        const t = await transmissionsOf(numbered.lot_ref);
        const lot = (await lotsNow())[0];
        return t[0]?.state !== 'sending' && lot.possible_duplicate && amo.stats().duplicatesWritten >= 1 && pendingReturns() === 0;
      },
      60_000,
    );
    expect(await transmissionsOf(numbered.lot_ref)).toEqual([expect.objectContaining({ possible_duplicate: true })]);
    expect(amo.stats()).toMatchObject({ filesReceived: 2, duplicatesReceived: 1, arlWritten: 1, rspWritten: 1 });

    // A later lot takes the next number (none skipped by the crashes, none reused).
    const second = await postClaims(['8101', '8102']);
    expect((await closeLots()).status).toBe(200);
    await waitFor('the second lot to be paid', () => allIn(second, 'paid'), 45_000);
    await waitFor('its duplicate RSP to be consumed', async () => amo.stats().duplicatesWritten >= 2 && pendingReturns() === 0, 30_000);

    // No lot lost, numbers 1…n, every lot acknowledged; only the crashed one was (maybe) received twice, and says so.
    const lots = await lotsNow();
    expect(lots.map((l) => Number(l.file_number))).toEqual([1, 2]);
    expect(lots.map((l) => Number(l.lot_sequence))).toEqual([1, 2]);
    expect(lots.map((l) => [l.state, l.possible_duplicate])).toEqual([
      ['acknowledged', true],
      ['acknowledged', false],
    ]);
    for (const l of lots) expect(await transmissionsOf(l.lot_ref)).toHaveLength(1);
    expect(amo.stats()).toMatchObject({ filesReceived: 3, duplicatesReceived: 1, arlWritten: 2, rspWritten: 2 });
    // No invoice in two lots; every invoice in one.
    const memberships = await rows<{ invoice_id: string; n: number }>(
      `SELECT invoice_id, count(*)::int AS n FROM fides_lot_invoice GROUP BY invoice_id`,
    );
    expect(memberships.map((m) => m.invoice_id).sort()).toEqual([...first, ...second].sort());
    expect(memberships.every((m) => m.n === 1)).toBe(true);
    // Each invoice went the whole way once, whatever the crashes (a fresh CDRi answer skips awaiting-rights).
    for (const id of [...first, ...second]) {
      const path = (
        await rows<{ to_state: string }>(`SELECT to_state FROM invoice_transition WHERE invoice_id = $1 ORDER BY id`, [id])
      ).map((r) => r.to_state);
      expect([PATH_PAID.join(), PATH_PAID.filter((s) => s !== 'awaiting-rights').join()]).toContain(path.join());
    }

    // Each return applied once: one `applied` per (kind, lot); the duplicate RSP files changed nothing.
    const returns = await rows<{ kind: string; lot_ref: string; status: string }>(`SELECT kind, lot_ref, status FROM fides_return`);
    const applied = returns.filter((r) => r.status === 'applied').map((r) => `${r.kind} ${r.lot_ref}`);
    expect(applied.sort()).toEqual(lots.flatMap((l) => [`ARL ${l.lot_ref}`, `RSP ${l.lot_ref}`]).sort());
    expect(returns.filter((r) => r.status !== 'applied').every((r) => r.status === 'duplicate')).toBe(true);
    const paidOnce = await rows<{ n: number }>(
      `SELECT count(*)::int AS n FROM invoice_transition WHERE to_state = 'paid' AND invoice_id = ANY($1)`,
      [[...first, ...second]],
    );
    expect(paidOnce[0].n).toBe(first.length + second.length);
  }, 170_000);
});
