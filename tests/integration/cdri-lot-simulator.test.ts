/**
 * CDRi lot exchange: CdriLotAdapter ↔ the simulator's lot service over real sockets (and mutual TLS).
 * Only lower bounds on durations, never upper ones.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AmoRightsError, type LotItemResult, type LotQuery } from '../../src/cdri/amo-rights.port';
import { CdriLotAdapter, type CdriLotAdapterOptions } from '../../src/cdri/cdri-lot.adapter';
import { CdriSoapAdapter } from '../../src/cdri/cdri-soap.adapter';
import { type CdriContext } from '../../src/cdri/soap/cdri-soap.codec';
import { CdriSimulator } from '../../src/simulators/cdri/cdri-simulator';
import { makeTestNir } from '../../src/simulators/cdri/simulated-patients';

const context: CdriContext = {
  softwareName: 'Passerelle',
  authorisationNumber: 'CNDA-TEST-0001',
  softwareVersion: '0.1.0',
  installId: '0b6f3c1e-8d0a-4b8e-9a57-1f2e3d4c5b6a',
};
const FINESS = '750000010';
const NO_FAULTS = { rate5xx: 0, rateTimeout: 0, rateFault: 0, rate429: 0 };

const lotQuery = (requestId: string, nir: string): LotQuery => ({
  requestId,
  nir,
  dateOfCare: '2025-03-14',
  finess: FINESS,
  correlationId: 'lot-it',
});
/** `n` distinct patients with open rights (ordre 1-3, communes 1-999). */
const openQueries = (n: number, prefix: string): LotQuery[] =>
  Array.from({ length: n }, (_, i) => lotQuery(`${prefix}-${i}`, makeTestNir({ commune: 1 + (i % 999), order: 1 + Math.floor(i / 999) })));

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function failure(promise: Promise<unknown>): Promise<AmoRightsError> {
  const caught = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(caught).toBeInstanceOf(AmoRightsError);
  return caught as AmoRightsError;
}

/** Polls with the cursor until done; returns every result in arrival order and whether a partial page was seen. */
async function drain(adapter: CdriLotAdapter, ticket: string): Promise<{ results: LotItemResult[]; partial: boolean; polls: number }> {
  const results: LotItemResult[] = [];
  let cursor = 0;
  let partial = false;
  let polls = 0;
  for (;;) {
    const status = await adapter.pollLot(ticket, cursor);
    polls++;
    results.push(...status.results);
    cursor = status.cursor;
    if (status.state === 'processing' && status.results.length > 0) partial = true;
    if (status.state === 'done') return { results, partial, polls };
    if (status.results.length === 0) await pause(20);
  }
}

describe('CDRi lot: adapter ↔ simulator over HTTP', () => {
  const sim = new CdriSimulator({ lotThroughputPerSecond: 1000, lotSlowItemDelayMs: 300 });
  let urls: { url: string; lotUrl: string };
  let lots: CdriLotAdapter;
  const closers: Array<{ close(): void }> = [];
  const lotAdapter = (opts: Partial<CdriLotAdapterOptions> = {}) => {
    const a = new CdriLotAdapter({ endpoint: urls.url, timeoutMs: 5000, context, ...opts });
    closers.push(a);
    return a;
  };

  beforeAll(async () => {
    urls = await sim.start();
    lots = lotAdapter();
  });
  afterAll(async () => {
    closers.forEach((c) => c.close());
    await sim.stop();
  });
  beforeEach(() => sim.reset());

  it('checks 2,000 patients exactly once, with partial pages before done, and stays idempotent on resubmission', async () => {
    const queries = openQueries(2000, 'night-1');
    const started = performance.now();
    const { ticket } = await lots.submitLot('NIGHT-2025-03-14', FINESS, queries);
    const { results, partial, polls } = await drain(lots, ticket);
    // 2,000 items at 1,000/s cannot be done in much less than 2 s (lower bound only).
    expect(performance.now() - started).toBeGreaterThanOrEqual(1500);
    expect(partial).toBe(true);
    expect(polls).toBeGreaterThan(4); // pages of at most 500
    expect(results).toHaveLength(2000);
    expect(new Set(results.map((r) => r.requestId))).toEqual(new Set(queries.map((q) => q.requestId)));
    expect(results.every((r) => r.ok && r.answer.status === 'OPEN')).toBe(true);
    expect(queries.every((q) => sim.checksFor(q.nir) === 1 && sim.callsFor(q.nir) === 0)).toBe(true);
    expect(sim.stats()).toMatchObject({ distinctChecks: 2000, lotsSubmitted: 1, lotItemsProcessed: 2000, calls: 0 });

    // The same lot again (a runner restarted after a crash): same ticket, nothing queued or checked again.
    expect(await lots.submitLot('NIGHT-2025-03-14', FINESS, queries)).toEqual({ ticket });
    expect(await lots.pollLot(ticket, 2000)).toMatchObject({ state: 'done', total: 2000, processed: 2000, results: [], cursor: 2000 });
    expect(sim.stats()).toMatchObject({ distinctChecks: 2000, lotsSubmitted: 1, lotItemsProcessed: 2000 });

    // The same questions in another lot: the insurer answers from what it stored, no second check.
    const again = await lots.submitLot('NIGHT-RETRY', FINESS, queries.slice(0, 50));
    expect(again.ticket).not.toBe(ticket);
    expect((await drain(lots, again.ticket)).results).toHaveLength(50);
    expect(queries.slice(0, 50).every((q) => sim.checksFor(q.nir) === 1)).toBe(true);
    expect(sim.stats().distinctChecks).toBe(2000);
  });

  it('turns per-item faults into item errors; a SLOW item comes out late', async () => {
    const byOrder = (order: number) => lotQuery(`fault-${order}`, makeTestNir({ order }));
    const queries = [970, 950, 960, 980, 900, 1].map(byOrder);
    const { ticket } = await lots.submitLot('FAULTS-1', FINESS, queries);
    const { results } = await drain(lots, ticket);
    const byId = new Map(results.map((r) => [r.requestId, r]));
    expect(byId.get('fault-950')).toMatchObject({ ok: false, code: 'INVALID_QUERY', insurerCode: 'REQUETE_INVALIDE' });
    expect(byId.get('fault-960')).toMatchObject({ ok: false, code: 'INSURER_UNAVAILABLE', insurerCode: 'SERVICE_INDISPONIBLE' });
    expect(byId.get('fault-980')).toMatchObject({ ok: false, code: 'INSURER_RATE_LIMITED', insurerCode: 'LIMITE_DEBIT' });
    expect(byId.get('fault-900')).toMatchObject({ ok: true, answer: { status: 'UNKNOWN_PATIENT' } });
    expect(byId.get('fault-970')).toMatchObject({ ok: true, answer: { status: 'OPEN' } });
    expect(results[results.length - 1].requestId).toBe('fault-970'); // first submitted, last out
    for (const r of results) if (!r.ok) expect(r.message).not.toContain(makeTestNir({ order: 960 }).slice(0, 13));
    // Final outcomes (answers, Sender faults) are checks; transient item errors are not — a new lot retries them.
    expect([950, 960, 980, 970].map((o) => sim.checksFor(makeTestNir({ order: o })))).toEqual([1, 0, 0, 1]);
  });

  it('applies the seeded random faults per item as well', async () => {
    sim.configure({ faults: { ...NO_FAULTS, rate5xx: 1 } });
    try {
      const { ticket } = await lots.submitLot('RANDOM-5XX', FINESS, openQueries(20, 'rnd'));
      const { results } = await drain(lots, ticket);
      expect(results.every((r) => !r.ok && r.code === 'INSURER_UNAVAILABLE')).toBe(true);
      expect(sim.stats().distinctChecks).toBe(0);
    } finally {
      sim.configure({ faults: NO_FAULTS });
    }
  });

  it('shares stored answers with the unit service: a question asked there first is not checked again', async () => {
    const unit = new CdriSoapAdapter({ endpoint: urls.url, timeoutMs: 5000, context });
    closers.push(unit);
    const q = lotQuery('shared-1', makeTestNir({ order: 500 }));
    const first = await unit.checkRights(q);
    sim.overrideRights(q.nir, { status: 'CLOSED', periods: [], c2s: false, ame: false, maternity: false, insurerReference: 'OVR' });
    const { ticket } = await lots.submitLot('SHARED', FINESS, [q]);
    expect((await drain(lots, ticket)).results).toEqual([{ requestId: 'shared-1', ok: true, answer: first }]);
    expect(sim.checksFor(q.nir)).toBe(1);
  });

  it('refuses what cannot be right: invalid queries before sending, unknown tickets, reused references, bad cursors', async () => {
    const bad = [lotQuery('ok-1', makeTestNir({ order: 1 })), lotQuery('bad-2', makeTestNir({ order: 2 }).slice(0, 13) + '00')];
    const invalid = await failure(lots.submitLot('BAD-1', FINESS, bad));
    expect(invalid.code).toBe('INVALID_QUERY');
    expect(invalid.message).toContain('bad-2');
    expect((await failure(lots.submitLot('BAD-2', FINESS, [bad[0], bad[0]]))).message).toContain('repeated');
    expect((await failure(lots.submitLot('BAD 3', FINESS, [bad[0]]))).code).toBe('INVALID_QUERY');
    expect(sim.stats().lotCalls).toBe(0);

    expect(await failure(lots.pollLot('LOT-NOPE', 0))).toMatchObject({ code: 'INVALID_QUERY', insurerCode: 'LOT_INCONNU' });
    const { ticket } = await lots.submitLot('REF-1', FINESS, [bad[0]]);
    const reused = await failure(lots.submitLot('REF-1', FINESS, [lotQuery('other', makeTestNir({ order: 3 }))]));
    expect(reused).toMatchObject({ code: 'INVALID_QUERY', insurerCode: 'LOT_DEJA_DEPOSE' });
    await drain(lots, ticket);
    expect(await failure(lots.pollLot(ticket, 2))).toMatchObject({ insurerCode: 'CURSEUR_INVALIDE' });
    expect((await lots.pollLot(ticket, 0)).results).toHaveLength(1); // not acknowledged yet: still there
    expect(await lots.pollLot(ticket, 1)).toMatchObject({ state: 'done', results: [] }); // acknowledges it
    expect(await failure(lots.pollLot(ticket, 0))).toMatchObject({ insurerCode: 'CURSEUR_INVALIDE' }); // forgotten
    expect(await lots.ping()).toBe(true);
    // An explicit lot URL (the simulator's lotUrl) works as well as the default `<endpoint>/lot`.
    const explicit = lotAdapter({ endpoint: 'http://127.0.0.1:9/unused', lotEndpoint: urls.lotUrl });
    expect(await explicit.pollLot(ticket, 1)).toMatchObject({ state: 'done' });
  });
});

describe('CDRi lot over mutual TLS (throwaway PKI generated with openssl)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cdri-lot-mtls-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const file = (name: string) => readFileSync(join(dir, name));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  function makeLeaf(name: string, ext: string): void {
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    );
  }
  let sim: CdriSimulator;
  let url: string;
  const adapters: CdriLotAdapter[] = [];

  beforeAll(async () => {
    openssl(
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '2',
      '-subj',
      '/CN=ca',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    );
    makeLeaf('server', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n');
    makeLeaf('client', 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n');
    sim = new CdriSimulator({
      lotThroughputPerSecond: 2000,
      tls: { cert: file('server.crt'), key: file('server.key'), ca: file('ca.crt') },
    });
    ({ url } = await sim.start());
  });
  afterAll(async () => {
    adapters.forEach((a) => a.close());
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('deposits and polls with the structure certificate, and is refused without it', async () => {
    const tls = { cert: file('client.crt'), key: file('client.key'), ca: file('ca.crt') };
    const a = new CdriLotAdapter({ endpoint: url, timeoutMs: 5000, context, tls });
    adapters.push(a);
    const { ticket } = await a.submitLot('TLS-1', FINESS, openQueries(30, 'tls'));
    expect((await drain(a, ticket)).results).toHaveLength(30);
    const anonymous = new CdriLotAdapter({ endpoint: url, timeoutMs: 5000, context, tls: { ca: file('ca.crt') } });
    adapters.push(anonymous);
    expect((await failure(anonymous.submitLot('TLS-2', FINESS, openQueries(1, 'anon')))).code).toBe('INSURER_UNAVAILABLE');
  });
});
