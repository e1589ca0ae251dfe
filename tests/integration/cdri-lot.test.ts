import { Client } from 'pg';
import { MllpClient } from '../../src/hl7/mllp/mllp-client';
import { parseHl7 } from '../../src/hl7/hl7-message';
import { validatePamFr } from '../../src/hl7/pam-fr-validation';
import { type AmoRightsAnswer } from '../../src/cdri/amo-rights.port';
import { makeTestNir } from '../../src/simulators/cdri/simulated-patients';
import { eligibilityRequest } from '../support/fhir-requests';
import { FakeGap } from '../support/fake-gap';
import { type GatewayFixture, headersAs, startGatewayFixture } from '../support/gateway-process';
import { buildA05, buildA38, SAMPLE_SITE_FINESS } from '../support/hl7-samples';
import { expectValidFhir, prepareFhirSchema } from '../support/fhir-schema';
import { csvOf, getFhir, nirs, output, postCsv, tomorrow, waitForTask } from '../support/lot-helpers';
import { waitFor } from '../support/wait-for';

const hl7Date = (iso: string) => `${iso.replace(/-/g, '')}080000`;

describe('CDRi night lot, fan-out through BullMQ, against a real gateway', () => {
  let fx: GatewayFixture;
  let gap: FakeGap;
  let db: Client;

  beforeAll(async () => {
    prepareFhirSchema(); // before any lot runs: the first check would otherwise pause a poll for seconds
    gap = await new FakeGap().start();
    fx = await startGatewayFixture({
      queue: 'redis',
      env: {
        CDRI_LOT_CRON: '',
        CDRI_LOT_CONCURRENCY: '20',
        CDRI_LOT_RATE_PER_SECOND: '5000',
        CDRI_LOT_BACKOFF_MS: '50',
        GAP_MLLP_HOST: '127.0.0.1',
        GAP_MLLP_PORT: String(gap.port),
        LOG_LEVEL: 'info',
      },
    });
    db = new Client({ connectionString: fx.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await fx?.close();
    await gap?.stop();
  });

  it('builds the lot from HL7 pre-admissions in the horizon, without the cancelled ones', async () => {
    const mllp = new MllpClient({ host: '127.0.0.1', port: fx.gateway.mllpPort, timeoutMs: 10000 });
    await mllp.connect();
    const expected = nirs(3, 150, 5000);
    const later = makeTestNir({ order: 151, commune: 901 });
    const cancelled = makeTestNir({ order: 152, commune: 902 });
    const at = hl7Date(tomorrow());
    for (const [i, nir] of expected.entries())
      await mllp.send(buildA05({ controlId: `PLAN-${i}`, nir, visitNumber: `V-PLAN-${i}`, plannedDate: at }));
    await mllp.send(
      buildA05({
        controlId: 'PLAN-LATER',
        nir: later,
        visitNumber: 'V-LATER',
        plannedDate: hl7Date(new Date(Date.now() + 20 * 86400000).toISOString().slice(0, 10)),
      }),
    );
    await mllp.send(buildA05({ controlId: 'PLAN-CANC', nir: cancelled, visitNumber: 'V-CANC', plannedDate: at }));
    await mllp.send(buildA38({ controlId: 'PLAN-A38', nir: cancelled, visitNumber: 'V-CANC' }));
    await mllp.close();
    await waitFor('the planned encounters', async () => {
      const r = await db.query(`SELECT count(*) FILTER (WHERE cancelled_at IS NOT NULL) AS c, count(*) AS n FROM planned_encounter`);
      return Number(r.rows[0].n) === 5 && Number(r.rows[0].c) === 1;
    });

    // The encounters belong to the site named in PV1-3 (FINESS géographique): that establishment's lot.
    const sites = await db.query(`SELECT DISTINCT finess FROM planned_encounter`);
    expect(sites.rows).toEqual([{ finess: SAMPLE_SITE_FINESS }]);
    const res = await fetch(`${fx.gateway.baseUrl}/cdri/lots`, {
      method: 'POST',
      // An operator starts the lot of another site by hand (the scheduler acts for its own establishment only).
      headers: { 'content-type': 'application/json', ...headersAs('operator') },
      body: JSON.stringify({ finess: SAMPLE_SITE_FINESS }),
    });
    expect(res.status).toBe(202);
    const accepted = (await res.json()) as any;
    expectValidFhir(accepted);
    const task = await waitForTask(fx.gateway.baseUrl, accepted.id, 'completed');
    expect(output(task, 'total').valueInteger).toBe(3);
    const items = await db.query(`SELECT nir FROM cdri_lot_item WHERE lot_id = $1`, [task.id]);
    expect(items.rows.map((r) => r.nir).sort()).toEqual([...expected].sort());
  });

  it('checks a lot of 3,000 patients from a CSV upload, each exactly once at the insurer, with progress', async () => {
    const list = nirs(3000, 200);
    const { status, task } = await postCsv(fx.gateway.baseUrl, csvOf([...list, list[0], list[1]], tomorrow()));
    expect(status).toBe(202);
    expect(output(task, 'total').valueInteger).toBe(3000); // the two repeats are checked once
    expectValidFhir(task);
    const seen = new Set<string>();
    const done = await waitFor(
      'the lot',
      async () => {
        const t = await getFhir(fx.gateway.baseUrl, `/fhir/Task/${task.id}`);
        seen.add(t.status);
        return t.status === 'completed' ? t : undefined;
      },
      180000,
      100,
    );
    expect(seen.has('in-progress')).toBe(true);
    expect(output(done, 'done').valueInteger).toBe(3000);
    expect(output(done, 'failed').valueInteger).toBe(0);
    expect(output(done, 'percent').valueDecimal).toBe(100);
    for (const nir of list) expect(fx.simulator.checksFor(nir)).toBe(1);
    expect(fx.gateway.logs.join('')).toContain('"msg":"CDRi lot completed"');
  });

  it('lists exactly the patients whose rights changed, and pushes each to the GAP as an A08', async () => {
    const open = nirs(200, 210);
    const ald = nirs(20, 460);
    const first = await postCsv(fx.gateway.baseUrl, csvOf([...open, ...ald], tomorrow(), true));
    await waitForTask(fx.gateway.baseUrl, first.task.id, 'completed');
    const nothing = await getFhir(fx.gateway.baseUrl, `/fhir/List/${first.task.id}`);
    expect(nothing.entry).toBeUndefined();
    expect(nothing.emptyReason.coding[0].code).toBe('nilknown');

    const base = (nir: string): AmoRightsAnswer => ({
      status: 'OPEN',
      organism: { grandRegime: '01', caisse: '751', centre: '0001', codeGestion: '10' },
      periods: [{ start: '2025-01-01' }],
      natureAssurance: 'MA',
      c2s: false,
      ame: false,
      maternity: false,
      insurerReference: `OVR-${nir.slice(-4)}`,
    });
    const changed = new Map<string, string>();
    open.slice(0, 10).forEach((n) => {
      fx.simulator.overrideRights(n, { ...base(n), status: 'CLOSED' });
      changed.set(n, 'RIGHTS_CLOSED');
    });
    open.slice(10, 20).forEach((n) => {
      fx.simulator.overrideRights(n, { ...base(n), organism: { grandRegime: '02', caisse: '921', centre: '0001', codeGestion: '10' } });
      changed.set(n, 'ORGANISM_CHANGED');
    });
    open.slice(20, 25).forEach((n) => {
      fx.simulator.overrideRights(n, { ...base(n), status: 'UNKNOWN_PATIENT', organism: undefined, periods: [] });
      changed.set(n, 'UNKNOWN_PATIENT');
    });
    // ALD patients losing their exoneration, organism unchanged: rebuild the simulator's own organism for them.
    for (const n of ald.slice(0, 5)) {
      const item = await db.query(`SELECT answer FROM cdri_lot_item WHERE lot_id = $1 AND nir = $2`, [first.task.id, n]);
      const previous = item.rows[0].answer as AmoRightsAnswer;
      fx.simulator.overrideRights(n, { ...previous, exoneration: undefined });
      changed.set(n, 'EXONERATION_LOST');
    }

    const second = await postCsv(fx.gateway.baseUrl, csvOf([...open, ...ald], tomorrow(), true));
    const task = await waitForTask(fx.gateway.baseUrl, second.task.id, 'completed');
    expect(output(task, 'changed').valueInteger).toBe(changed.size);
    const list = await getFhir(fx.gateway.baseUrl, `/fhir/List/${second.task.id}`);
    const got = new Map<string, string>(list.entry.map((e: any) => [e.item.identifier.value, e.flag.coding[0].code]));
    expect(got).toEqual(changed);

    await waitFor('the A08 messages at the GAP', async () => gap.received.length >= changed.size, 30000);
    const pushed = gap.received.map((f) => parseHl7(f));
    expect(pushed.every((m) => m.get('MSH', 1, 9, 1, 2) === 'A08')).toBe(true);
    // Each A08 is a valid PAM FR message by our own inbound rules (PID-5 included).
    expect(pushed.flatMap((m) => validatePamFr(m).issues.filter((i) => i.severity === 'E'))).toEqual([]);
    expect(new Set(pushed.map((m) => m.get('IN1', 1, 49)))).toEqual(new Set(changed.keys()));
    const delivered = await db.query(`SELECT count(*) FROM outbound_message WHERE state = 'delivered'`);
    expect(Number(delivered.rows[0].count)).toBe(changed.size);
    for (const n of changed.keys()) fx.simulator.clearOverride(n);
  });

  it('slows down on insurer 429s instead of failing', async () => {
    // 429s whatever the machine's speed (a rate limit is only reached by a fast run): 3 % of calls, seeded.
    fx.simulator.configure({ faults: { rate5xx: 0, rateTimeout: 0, rateFault: 0, rate429: 0.03 } });
    const list = nirs(600, 220);
    const { task } = await postCsv(fx.gateway.baseUrl, csvOf(list, tomorrow()));
    const done = await waitForTask(fx.gateway.baseUrl, task.id, 'completed');
    fx.simulator.configure({ faults: { rate5xx: 0, rateTimeout: 0, rateFault: 0, rate429: 0 } });
    expect(output(done, 'failed').valueInteger).toBe(0);
    expect(output(done, 'done').valueInteger).toBe(600);
    expect(fx.simulator.stats().rateLimitedServed).toBeGreaterThan(0);
    for (const nir of list) expect(fx.simulator.checksFor(nir)).toBe(1);
  });

  it('takes a FHIR Bundle with $submit-batch: 202, a Task to follow, one check per patient and date', async () => {
    const list = nirs(5, 230);
    const bundle = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [...list, list[0]].map((n) => ({ resource: eligibilityRequest(n, { servicedDate: tomorrow() }) })),
    };
    const res = await fetch(`${fx.gateway.baseUrl}/fhir/CoverageEligibilityRequest/$submit-batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', ...headersAs('batch') },
      body: JSON.stringify(bundle),
    });
    expect(res.status).toBe(202);
    const task = (await res.json()) as any;
    expect(res.headers.get('location')).toBe(`/fhir/Task/${task.id}`);
    expect(task.resourceType).toBe('Task');
    expectValidFhir(task);
    const done = await waitForTask(fx.gateway.baseUrl, task.id, 'completed');
    expect(output(done, 'total').valueInteger).toBe(5);
  });

  it('refuses a CSV with a bad NIR naming its line, and a Bundle entry naming its index', async () => {
    const bad = await postCsv(fx.gateway.baseUrl, `nir;date_of_care\n${makeTestNir({ order: 240 })};${tomorrow()}\n123;${tomorrow()}`);
    expect(bad.status).toBe(400);
    expect(bad.task.issue[0].expression).toEqual(['line 3, nir']);
    expectValidFhir(bad.task);
    const res = await fetch(`${fx.gateway.baseUrl}/fhir/CoverageEligibilityRequest/$submit-batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', ...headersAs('batch') },
      body: JSON.stringify({
        resourceType: 'Bundle',
        type: 'batch',
        entry: [{ resource: eligibilityRequest(makeTestNir({ order: 241 })) }, { resource: { resourceType: 'Patient' } }],
      }),
    });
    expect(res.status).toBe(400);
    const outcome = (await res.json()) as any;
    expect(outcome.issue[0].expression[0]).toMatch(/^Bundle\.entry\[1\]/);
    expectValidFhir(outcome);
  });
});
