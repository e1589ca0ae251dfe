import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type DataSource } from 'typeorm';
import type { Role } from '../../src/access/roles';
import type { InvoiceState } from '../../src/fides/invoice-state';
import { InvoiceStore } from '../../src/fides/invoice.store';
import { createDataSource } from '../../src/persistence/data-source';
import { Sql } from '../../src/persistence/sql';
import { aceClaim, FIDES_TEST_FINESS } from '../support/fides-claims';
import { expectValidFhir, prepareFhirSchema } from '../support/fhir-schema';
import { type GatewayFixture, type GatewayProcess, headersAs, startGatewayFixture } from '../support/gateway-process';
import { waitFor } from '../support/wait-for';

type Json = Record<string, any>;

interface Notification {
  method: string;
  path: string;
  authorization?: string;
  body?: Json;
}

/**
 * A GAP's receiver, a real HTTP server: records every notification by the first segment of its path (one per
 * subscription), and answers 500 on the paths told to fail.
 */
class Receiver {
  readonly got = new Map<string, Notification[]>();
  readonly failing = new Set<string>();
  private server?: Server;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void read(req).then((text) => {
        const [, hook = ''] = (req.url ?? '').split('/');
        const list = this.got.get(hook) ?? [];
        list.push({
          method: req.method ?? '',
          path: req.url ?? '',
          authorization: req.headers.authorization,
          body: text ? (JSON.parse(text) as Json) : undefined,
        });
        this.got.set(hook, list);
        res.statusCode = this.failing.has(hook) ? 500 : 200;
        res.end();
      });
    });
    const server = this.server;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    this.port = (server.address() as AddressInfo).port;
  }

  url(hook: string, host = '127.0.0.1'): string {
    return `http://${host}:${this.port}/${hook}`;
  }

  of(hook: string): Notification[] {
    return this.got.get(hook) ?? [];
  }

  /** The states the ClaimResponses to `hook` said, for one invoice, in arrival order. */
  statesOf(hook: string, invoiceId: string): string[] {
    return this.of(hook)
      .filter((n) => n.body?.id === invoiceId)
      .map((n) => String(n.body?.disposition).replace(/^Invoice \d+: /, ''));
  }

  async stop(): Promise<void> {
    await new Promise((r) => this.server?.close(r));
  }
}

async function read(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Notifications carry the invoice as it stands when sent (subscription-delivery.ts: changes of one invoice read in one
 * batch make one notification, at the place of the last), and at least once: what a subscriber is told about an
 * invoice walks its recorded history in order, a step possibly folded into a later one or told twice, never a step
 * back, and ends at its current state.
 */
function expectWalksHistory(seen: string[], history: string[]): void {
  expectInHistoryOrder(seen, history);
  expect(seen.at(-1)).toBe(history.at(-1));
}

/** Every state told is one the invoice had, none told after a later one. */
function expectInHistoryOrder(seen: string[], history: string[]): void {
  expect(seen.length).toBeGreaterThan(0);
  let at = 0;
  for (const [i, state] of seen.entries()) {
    const next = history.indexOf(state, at);
    expect([i, state, next >= 0]).toEqual([i, state, true]);
    at = next;
  }
}

/** The distinct steps told, in order (a notification told twice, at least once, counts once). */
const steps = (seen: string[]): string[] => seen.filter((s, i) => s !== seen[i - 1]);

/**
 * FHIR Subscriptions (rest-hook) on ClaimResponse against the running gateway, real PostgreSQL, a real receiver and
 * the real pre-flight (CDRi simulator: the claims' patient is OPEN, so every invoice goes on to `ready` by itself):
 * notifications follow Claims and state changes (pre-flight's, then the later ones driven here through InvoiceStore
 * on the same database, as lots and returns do, each from the state the invoice reached), in order; a failing receiver gets retries then the subscription goes to `error`; re-activated,
 * it gets what it missed; a gateway killed and restarted loses nothing; bad subscriptions are refused naming the field;
 * another client's subscription does not exist.
 */
describe('FIDES subscriptions: ClaimResponse rest-hook', () => {
  let fx: GatewayFixture;
  let gateway: GatewayProcess;
  let ds: DataSource;
  let invoices: InvoiceStore;
  const receiver = new Receiver();

  beforeAll(async () => {
    prepareFhirSchema();
    await receiver.start();
    fx = await startGatewayFixture({
      env: {
        FIDES_ENABLED: 'true',
        ESTABLISHMENT_FINESS: FIDES_TEST_FINESS,
        FIDES_SUBSCRIPTION_INTERVAL_MS: '100',
        FIDES_SUBSCRIPTION_BACKOFF_MS: '50',
        FIDES_SUBSCRIPTION_MAX_BACKOFF_MS: '200',
        FIDES_SUBSCRIPTION_MAX_ATTEMPTS: '3',
        FIDES_SUBSCRIPTION_TIMEOUT_MS: '2000',
        FIDES_SUBSCRIPTION_MAX_PER_CLIENT: '4',
        // Pre-flight looks for the CDRi answers it awaits this often (nudged by intake for new invoices).
        FIDES_PREFLIGHT_INTERVAL_MS: '200',
      },
    });
    gateway = fx.gateway;
    ds = createDataSource(fx.databaseUrl, 2, []);
    await ds.initialize();
    invoices = new InvoiceStore(new Sql(ds));
  });

  afterAll(async () => {
    await ds?.destroy();
    await fx?.close();
    await receiver.stop();
  });

  const call = (method: string, path: string, role: Role, body?: unknown) =>
    fetch(`${gateway.baseUrl}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/fhir+json' }), ...headersAs(role) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const json = async (res: Response) => {
    const body = (await res.json()) as Json;
    expectValidFhir(body);
    return body;
  };
  const subscription = (endpoint: string, extra: Json = {}, channel: Json = {}) => ({
    resourceType: 'Subscription',
    status: 'requested',
    reason: 'Follow our invoices',
    criteria: 'ClaimResponse',
    channel: { type: 'rest-hook', endpoint, payload: 'application/fhir+json', ...channel },
    ...extra,
  });
  const subscribe = async (body: Json, role: Role = 'gap') => {
    const res = await call('POST', '/fhir/Subscription', role, body);
    expect(res.status).toBe(201);
    const created = await json(res);
    expect(res.headers.get('location')).toBe(`/fhir/Subscription/${created.id}`);
    return created;
  };
  const claim = async (invoiceNumber: string): Promise<string> => {
    const res = await call('POST', '/fhir/Claim', 'gap', aceClaim({ invoiceNumber }));
    expect(res.status).toBe(201);
    return ((await res.json()) as Json).id as string;
  };
  const move = async (id: string, from: InvoiceState, to: InvoiceState) =>
    expect(await invoices.transition(id, from, to, 'test', 'test-driver')).toBe(true);
  /** The invoice's states as the database recorded them, in order: what its subscribers are to be told. */
  const history = async (id: string): Promise<string[]> =>
    (await ds.query<Array<{ to_state: string }>>(`SELECT to_state FROM invoice_transition WHERE invoice_id = $1 ORDER BY id`, [id])).map(
      (r) => r.to_state,
    );
  /** Waits until `hook` was told the invoice's current state is `state` (its latest notification says so). */
  const told = (hook: string, id: string, state: string) =>
    waitFor(`${hook} told ${state}`, async () => receiver.statesOf(hook, id).at(-1) === state);
  /**
   * A new subscription starts at the horizon (the cluster's oldest open transaction, pg_snapshot_xmin), so on a shared
   * server it may also be told of changes made just before it: wait for the horizon to pass the changes so far first,
   * where a test counts what a new subscription is told.
   */
  const horizonPastChanges = () =>
    waitFor('the horizon past the changes so far', async () => {
      const [row] = await ds.query<Array<{ behind: boolean }>>(
        `SELECT EXISTS (SELECT 1 FROM invoice_transition WHERE tx >= pg_snapshot_xmin(pg_current_snapshot())) AS behind`,
      );
      return !row.behind;
    });
  /** Pre-flight asks the CDRi simulator (unless a young answer for the patient is at hand), then makes it ready. */
  const PREFLIGHT_PATHS = [
    ['received', 'awaiting-rights', 'ready'],
    ['received', 'ready'],
  ];

  let main: Json;
  let first: string;

  it('notifies each change of an invoice with its ClaimResponse (PUT [endpoint]/ClaimResponse/{id}), in order, with the channel header', async () => {
    main = await subscribe(subscription(receiver.url('main'), {}, { header: ['Authorization: Bearer gap-secret-token'] }));
    expect(main).toMatchObject({ status: 'active', criteria: 'ClaimResponse', channel: { header: ['Authorization: ***'] } });

    first = await claim('7001');
    await waitFor('the first notification', async () => receiver.of('main').length > 0);
    const n = receiver.of('main')[0];
    expect(n).toMatchObject({ method: 'PUT', path: `/main/ClaimResponse/${first}`, authorization: 'Bearer gap-secret-token' });
    expect(n.body).toMatchObject({ resourceType: 'ClaimResponse', outcome: 'queued', request: { reference: `Claim/${first}` } });
    expectValidFhir(n.body);

    // Pre-flight's steps: the first claim of the run finds no CDRi answer at hand, so it waits for one.
    await told('main', first, 'ready');
    expect(await history(first)).toEqual(['received', 'awaiting-rights', 'ready']);
    await move(first, 'ready', 'in-lot');
    await told('main', first, 'in-lot');
    expect(await history(first)).toEqual(['received', 'awaiting-rights', 'ready', 'in-lot']);
    expectWalksHistory(receiver.statesOf('main', first), await history(first));
    expect(steps(receiver.statesOf('main', first)).slice(-2)).toEqual(['ready', 'in-lot']);

    const read = await json(await call('GET', `/fhir/Subscription/${main.id}`, 'gap'));
    expect(read).toMatchObject({ id: main.id, status: 'active' });
    expect(JSON.stringify(read)).not.toContain('gap-secret-token');
    expect(gateway.logs.join('')).not.toContain('gap-secret-token');
    const metrics = await (await call('GET', '/metrics', 'metrics')).text();
    expect(metrics).toMatch(/passerelle_fides_subscription_deliveries_total\{outcome="delivered"\} [1-9]/);
  });

  it('sends an empty POST when there is no payload, and follows only the Claim named in request=', async () => {
    await horizonPastChanges();
    const one = await subscribe(
      subscription(receiver.url('one'), { criteria: `ClaimResponse?request=Claim/${first}` }, { payload: undefined }),
    );
    const other = await claim('7002');
    // The main subscription saw the other invoice through pre-flight: the narrow one was not told.
    await told('main', other, 'ready');
    expect(PREFLIGHT_PATHS).toContainEqual(await history(other));
    expectWalksHistory(receiver.statesOf('main', other), await history(other));
    expect(receiver.of('one')).toEqual([]);
    await move(first, 'in-lot', 'sent');
    await waitFor('the empty notification', async () => receiver.of('one').length > 0);
    await told('main', first, 'sent');
    expect(receiver.of('one')).toEqual([{ method: 'POST', path: '/one', authorization: undefined, body: undefined }]);
    expect((await call('DELETE', `/fhir/Subscription/${one.id}`, 'gap')).status).toBe(200);
  });

  it('retries a failing receiver, then puts the subscription in error; re-activated, it gets what it missed, in order', async () => {
    receiver.failing.add('flaky');
    await horizonPastChanges();
    const flaky = await subscribe(subscription(receiver.url('flaky')));
    const a = await claim('7101');
    const errored = await waitFor('the error state', async () => {
      const s = await json(await call('GET', `/fhir/Subscription/${flaky.id}`, 'gap'));
      return s.status === 'error' ? s : undefined;
    });
    expect(errored.error).toMatch(/HTTP 500.*3 time\(s\) in a row/);
    // The same notification three times (the cursor stays before it): a's first change, told as a stands at each try
    // (pre-flight may have moved it on meanwhile).
    expect(receiver.of('flaky').map((x) => x.body?.id)).toEqual([a, a, a]);
    await told('main', a, 'ready');
    expect(PREFLIGHT_PATHS).toContainEqual(await history(a));
    expectInHistoryOrder(receiver.statesOf('flaky', a), await history(a));

    // In error, nothing is sent: the changes wait behind its cursor. b is received after a is ready, and a moves on
    // after b is ready, so the changes' order is known: a's pre-flight, b's, then a in-lot.
    const b = await claim('7102');
    await told('main', b, 'ready');
    await move(a, 'ready', 'in-lot');
    await told('main', a, 'in-lot');
    expect(receiver.of('flaky')).toHaveLength(3);
    const metrics = await (await call('GET', '/metrics', 'metrics')).text();
    expect(metrics).toMatch(/passerelle_fides_subscription_deliveries_total\{outcome="dead-lettered"\} 1/);
    expect(metrics).toMatch(/passerelle_fides_subscription_deliveries_total\{outcome="failed"\} 2/);

    receiver.failing.delete('flaky');
    const listed = await json(await call('GET', '/fhir/Subscription?status=error', 'gap'));
    expect(listed.entry.map((e: Json) => e.resource.id)).toEqual([flaky.id]);
    const res = await call('PUT', `/fhir/Subscription/${flaky.id}`, 'gap', { ...listed.entry[0].resource, status: 'requested' });
    expect(res.status).toBe(200);
    expect((await json(res)).status).toBe('active');
    await told('flaky', a, 'in-lot');
    // In the order of the changes: b's come before a's last (in-lot), each invoice's walking its history.
    const missed = receiver.of('flaky').slice(3);
    const after = missed.map((n) => n.body?.id);
    expect(after).toContain(b);
    expect(after.indexOf(b)).toBeLessThan(after.lastIndexOf(a));
    expect(receiver.statesOf('flaky', b).at(-1)).toBe('ready');
    expectWalksHistory(receiver.statesOf('flaky', b), await history(b));
    expectWalksHistory(receiver.statesOf('flaky', a), await history(a));
    const read = await json(await call('GET', `/fhir/Subscription/${flaky.id}`, 'gap'));
    expect(read.status).toBe('active');
    expect(read.error).toBeUndefined();
  });

  it('loses nothing across a kill -9: the restarted gateway resumes from the cursor', async () => {
    // An update sending the masked header back keeps its value.
    const read = await json(await call('GET', `/fhir/Subscription/${main.id}`, 'gap'));
    expect((await call('PUT', `/fhir/Subscription/${main.id}`, 'gap', { ...read, reason: 'Follow all our invoices' })).status).toBe(200);
    await gateway.kill9();
    const c = await claimWhileDown();
    await move(first, 'sent', 'acknowledged');
    gateway = await fx.restart();
    // A run cut by the kill keeps its lease until it expires (FIDES_SUBSCRIPTION_TIMEOUT_MS × 2 + 5 s).
    await waitFor('the acknowledged notification', async () => receiver.statesOf('main', first).includes('acknowledged'), 40000);
    await waitFor('the invoice stored while the gateway was down', async () => receiver.statesOf('main', c).includes('ready'));
    expect(await history(first)).toEqual(['received', 'awaiting-rights', 'ready', 'in-lot', 'sent', 'acknowledged']);
    expectWalksHistory(receiver.statesOf('main', first), await history(first));
    expect(steps(receiver.statesOf('main', first)).slice(-4)).toEqual(['ready', 'in-lot', 'sent', 'acknowledged']);
    expectWalksHistory(receiver.statesOf('main', c), await history(c));
    expect(receiver.of('main').at(-1)?.authorization).toBe('Bearer gap-secret-token');
  });

  /** An invoice a peer wrote while the gateway was down: copied from one stored, then moved on. */
  async function claimWhileDown(): Promise<string> {
    const rows = await ds.query<Array<{ invoice_id: string }>>(
      `WITH ins AS (
         INSERT INTO invoice (id, finess, invoice_number, source, content_hash, draft, state, submitted_by)
         SELECT gen_random_uuid(), finess, '000007201', source, content_hash, draft, 'received', 'test-driver'
         FROM invoice WHERE id = $1 RETURNING id)
       INSERT INTO invoice_transition (invoice_id, from_state, to_state, cause, actor) SELECT id, NULL, 'received', 'test', 'test-driver' FROM ins
       RETURNING invoice_id`,
      [first],
    );
    const id = rows[0].invoice_id;
    await move(id, 'received', 'ready');
    return id;
  }

  it('refuses bad subscriptions with an OperationOutcome naming the field', async () => {
    const cases: Array<[Json, number, string]> = [
      [subscription(receiver.url('x'), { criteria: 'Patient' }), 422, 'Subscription.criteria'],
      [subscription(receiver.url('x'), { criteria: 'ClaimResponse?patient=123' }), 422, 'Subscription.criteria'],
      [subscription(receiver.url('x'), { criteria: 'ClaimResponse?request=Claim/nope' }), 400, 'Subscription.criteria'],
      [
        subscription(receiver.url('x'), { criteria: 'ClaimResponse?request=Claim/00000000-0000-4000-8000-000000000000' }),
        422,
        'Subscription.criteria',
      ],
      [subscription('http://gap.example.org/hook'), 422, 'Subscription.channel.endpoint'],
      [subscription('ftp://127.0.0.1/hook'), 422, 'Subscription.channel.endpoint'],
      [subscription('not a url'), 400, 'Subscription.channel.endpoint'],
      [subscription(receiver.url('x'), {}, { type: 'websocket' }), 422, 'Subscription.channel.type'],
      [subscription(receiver.url('x'), {}, { payload: 'application/xml' }), 422, 'Subscription.channel.payload'],
      [subscription(receiver.url('x'), {}, { header: ['Host: elsewhere'] }), 422, 'Subscription.channel.header[0]'],
      [subscription(receiver.url('x'), {}, { header: ['no colon'] }), 400, 'Subscription.channel.header[0]'],
      [subscription(receiver.url('x'), { reason: undefined }), 400, 'Subscription.reason'],
      [subscription(receiver.url('x'), { status: 'error' }), 422, 'Subscription.status'],
      [{ resourceType: 'Claim' }, 400, 'Subscription'],
    ];
    for (const [body, status, field] of cases) {
      const res = await call('POST', '/fhir/Subscription', 'gap', body);
      const outcome = await json(res);
      expect([field, res.status, outcome.issue[0].expression]).toEqual([field, status, [field]]);
    }
    expect(
      JSON.stringify(await json(await call('POST', '/fhir/Subscription', 'gap', subscription('http://gap.example.org/hook')))),
    ).not.toContain('gap.example.org');
  });

  it("answers another client's subscription as not found (operators see and manage all), and bounds each client's count", async () => {
    const mine = await subscribe(subscription(receiver.url('mine')));
    for (const [method, body] of [
      ['GET', undefined],
      ['PUT', { ...subscription(receiver.url('mine')), id: mine.id }],
      ['DELETE', undefined],
    ] as const) {
      const res = await call(method, `/fhir/Subscription/${mine.id}`, 'billing', body);
      expect([method, res.status]).toEqual([method, 404]);
      expect((await json(res)).issue[0].code).toBe('not-found');
    }
    expect((await json(await call('GET', '/fhir/Subscription', 'billing'))).total).toBe(0);
    expect((await call('GET', `/fhir/Subscription/${mine.id}`, 'operator')).status).toBe(200);
    expect((await json(await call('GET', '/fhir/Subscription', 'operator'))).total).toBeGreaterThanOrEqual(3);
    const paused = await call('PUT', `/fhir/Subscription/${mine.id}`, 'operator', { ...subscription(receiver.url('mine')), status: 'off' });
    expect((await json(paused)).status).toBe('off');

    // gap holds main, flaky and mine: one more, then the bound.
    await subscribe(subscription(receiver.url('fourth')));
    const refused = await call('POST', '/fhir/Subscription', 'gap', subscription(receiver.url('fifth')));
    expect(refused.status).toBe(422);
    expect((await json(refused)).issue[0].expression).toEqual(['Subscription']);

    expect((await call('DELETE', `/fhir/Subscription/${mine.id}`, 'gap')).status).toBe(200);
    expect((await call('GET', `/fhir/Subscription/${mine.id}`, 'gap')).status).toBe(404);
    expect((await call('POST', '/fhir/Subscription', 'gap', subscription(receiver.url('fifth')))).status).toBe(201);
  });

  it('publishes Subscription in the CapabilityStatement', async () => {
    const cs = await json(await call('GET', '/fhir/metadata', 'gap'));
    const sub = (cs.rest[0].resource as Json[]).find((r) => r.type === 'Subscription');
    expect((sub?.interaction as Json[]).map((i) => i.code).sort()).toEqual(['create', 'delete', 'read', 'search-type', 'update']);
  });
});
