import { Client } from 'pg';
import { FIDES_EXTENSIONS } from '../../src/fides/fhir/fides-fhir-definitions';
import { makeTestNir } from '../../src/simulators/cdri/simulated-patients';
import { aceClaim, FIDES_TEST_FINESS } from '../support/fides-claims';
import { type GatewayFixture, headersAs, startGatewayFixture } from '../support/gateway-process';

type Json = Record<string, any>;

/** CDRi simulator patients born January 1992 in Paris, by numéro d'ordre: MSA (régime 02), unknown, open. */
const nir = (order: number) => makeTestNir({ sex: 2, year: 92, month: 1, dept: '75', commune: 123, order });

/**
 * The CDRi side of pre-flight against the real simulator: each contradiction held with its own reason, and an insurer
 * that is down never lets an invoice through — it waits, survives a kill -9 of the gateway, and goes through once the
 * insurer answers again.
 */
describe('FIDES pre-flight: the CDRi answer decides', () => {
  let fx: GatewayFixture;
  let base = '';
  let db: Client;

  beforeAll(async () => {
    fx = await startGatewayFixture({
      env: {
        FIDES_ENABLED: 'true',
        ESTABLISHMENT_FINESS: FIDES_TEST_FINESS,
        FIDES_PREFLIGHT_INTERVAL_MS: '200',
        FIDES_RIGHTS_CHECK_TIMEOUT_SECONDS: '1',
      },
    });
    base = fx.gateway.baseUrl;
    db = new Client({ connectionString: fx.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await fx?.close();
  });

  const post = async (body: unknown): Promise<string> => {
    const res = await fetch(`${base}/fhir/Claim`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', ...headersAs('gap') },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as Json).id as string;
  };
  const stateOf = async (id: string): Promise<string> => {
    const claim = (await (await fetch(`${base}/fhir/Claim/${id}`, { headers: headersAs('billing') })).json()) as Json;
    return (claim.extension as Json[]).find((e) => e.url === FIDES_EXTENSIONS.invoiceState)?.valueCode as string;
  };
  async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, limitMs = 30_000): Promise<T> {
    const end = Date.now() + limitMs;
    for (;;) {
      const v = await probe();
      if (ok(v)) return v;
      if (Date.now() > end) throw new Error(`${what}: still ${JSON.stringify(v)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const errorsOf = async (id: string) => {
    const bundle = (await (
      await fetch(`${base}/fhir/ClaimResponse?request=Claim/${id}`, { headers: headersAs('billing') })
    ).json()) as Json;
    return (bundle.entry[0].resource.error as Json[]).map((e) => [e.code.coding[0].code, e.extension[0].valueString]);
  };

  it('organism changed (the insurer says MSA, the invoice says régime général): PF-CDRI-ORGANISM on coverage.grandRegime', async () => {
    const id = await post(aceClaim({ invoiceNumber: '7001', beneficiaryNir: nir(675) }));
    await until(
      'state',
      () => stateOf(id),
      (s) => s === 'preflight-failed',
    );
    expect(await errorsOf(id)).toEqual([['PF-CDRI-ORGANISM', 'coverage.grandRegime']]);
  });

  it('unknown to the insurer: PF-CDRI-UNKNOWN-PATIENT on the beneficiary NIR', async () => {
    const id = await post(aceClaim({ invoiceNumber: '7002', beneficiaryNir: nir(905) }));
    await until(
      'state',
      () => stateOf(id),
      (s) => s === 'preflight-failed',
    );
    expect(await errorsOf(id)).toEqual([['PF-CDRI-UNKNOWN-PATIENT', 'patient.beneficiaryNir']]);
  });

  it('insurer down: the invoice waits (never ready), survives kill -9, and goes through once the insurer answers', async () => {
    const patient = nir(777);
    fx.simulator.configure({ faults: { rate5xx: 1, rateTimeout: 0, rateFault: 0, rate429: 0 } });
    const id = await post(aceClaim({ invoiceNumber: '7003', beneficiaryNir: patient }));
    const checks = () =>
      db
        .query(`SELECT idempotency_key AS key, state FROM rights_check WHERE nir = $1 ORDER BY requested_at`, [patient])
        .then((r) => r.rows as Array<{ key: string; state: string }>);
    // The first check exhausts its retries against the 503s and fails, then (past the timeout) a second is asked.
    await until('checks', checks, (c) => c.length >= 2 && c[0].state === 'failed');
    expect(await stateOf(id)).toBe('awaiting-rights');

    await fx.gateway.kill9();
    fx.simulator.configure({ faults: { rate5xx: 0, rateTimeout: 0, rateFault: 0, rate429: 0 } });
    base = (await fx.restart()).baseUrl;

    await until(
      'state',
      () => stateOf(id),
      (s) => s === 'ready',
    );
    const asked = await checks();
    expect(asked.every((c) => c.key.startsWith(`fides:${id}:v1:`))).toBe(true);
    expect(asked.some((c) => c.state === 'answered')).toBe(true);
    const t = await db.query(`SELECT from_state, to_state FROM invoice_transition WHERE invoice_id = $1 ORDER BY id`, [id]);
    // Never ready before the answer: one wait, then ready.
    expect(t.rows.map((r) => `${r.from_state ?? ''}→${r.to_state}`)).toEqual([
      '→received',
      'received→awaiting-rights',
      'awaiting-rights→ready',
    ]);
  });
});
