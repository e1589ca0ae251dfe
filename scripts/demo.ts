import 'reflect-metadata';
import { createHash, randomBytes } from 'node:crypto';
import { Gateway } from '../src/app/gateway';
import { loadConfig, readDefaults } from '../src/config/load-config';
import { MllpClient } from '../src/hl7/mllp/mllp-client';
import { parseHl7 } from '../src/hl7/hl7-message';
import { createLogger } from '../src/observability/logger';
import { makeTestNir } from '../src/simulators/cdri/simulated-patients';
import { type RightsCheck, RightsCheckStore } from '../src/cdri/rights-check.store';
import { Sql } from '../src/persistence/sql';
import { InvoiceStore } from '../src/fides/invoice.store';
import { eligibilityRequest } from '../tests/support/fhir-requests';
import { buildA01, buildA04, buildA05, buildA28 } from '../tests/support/hl7-samples';
import { billingDemo } from './demo-billing';

/**
 * `npm run demo`: starts the gateway in embedded/simulation mode (its own PostgreSQL under ./data/demo-pg,
 * BullMQ on PostgreSQL, the CDRi simulator, the AMO simulator with its SIMULATION PKI), plays a GAP's HL7 messages,
 * a kiosk's FHIR request and a billing office's invoices (scripts/demo-billing.ts), prints what happened, stops
 * everything and exits 0. Test identities only; NIRs are shown masked.
 */
/** Longer than every bounded wait of the demo put together (rights 20 s, pre-flight 20 s, returns 45 s). */
const DEMO_LIMIT_MS = 100_000;
const mask = (nir: string) => `${nir.slice(0, 5)}••••••••••`;
const ms = (start: bigint) => `${(Number(process.hrtime.bigint() - start) / 1e6).toFixed(1)} ms`;
// Keys of this run only: a kiosk, and a billing office client (roles billing + operator) for the invoices.
const kioskKey = randomBytes(24).toString('base64url');
const billingKey = randomBytes(24).toString('base64url');

async function main(): Promise<void> {
  const config = loadConfig(
    {
      HTTP_PORT: '0',
      HTTP_HOST: '127.0.0.1',
      MLLP_PORT: '0',
      MLLP_HOST: '127.0.0.1',
      EMBEDDED_PG_DIR: './data/demo-pg',
      EMBEDDED_PG_PORT: '5434',
      LOG_LEVEL: 'warn',
      SIMULATOR_CDRI_LATENCY_MS: '40',
      KIOSK_API_KEYS: `demo-kiosk:${kioskKey}`,
      API_CLIENTS: `demo-billing:${createHash('sha256').update(billingKey).digest('hex')}:billing+operator`,
      // The demo's own pace (the product's defaults are minutes apart): pre-flight, lot sweep (which moves a handed-over
      // lot to sent), the outbox sweep, and the AMO simulator's answers.
      FIDES_PREFLIGHT_INTERVAL_MS: '200',
      FIDES_LOT_SWEEP_INTERVAL_MS: '300',
      SIMULATOR_AMO_ARL_DELAY_MS: '300',
      SIMULATOR_AMO_RSP_DELAY_MS: '800',
    },
    readDefaults(),
  );
  console.log(
    'Passerelle demo — embedded PostgreSQL, BullMQ on PostgreSQL, CDRi and AMO simulators, SIMULATION PKI (nothing leaves this machine)\n',
  );
  const started = process.hrtime.bigint();
  const gateway = await Gateway.start(config, createLogger('warn', process.stderr));
  // Ctrl-C or SIGTERM during the demo: the gateway (and the embedded PostgreSQL it started) stops before we exit.
  const interrupted = (signal: string) => {
    console.log(`\n${signal}: stopping the demo gateway`);
    void gateway.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  // Every step has its own bound (the waits, each request); this one catches whatever would still hang.
  const watchdog = setTimeout(() => {
    console.log(`\nDemo FAILED: not finished after ${DEMO_LIMIT_MS / 1000} s; stopping`);
    void gateway.stop().finally(() => process.exit(1));
  }, DEMO_LIMIT_MS);
  watchdog.unref();
  console.log(`gateway up in ${ms(started)}: HTTP :${gateway.httpPort}, MLLP :${gateway.mllpPort}\n`);
  let ok = true;
  try {
    const patients = [
      { label: 'pre-admission, rights closed', event: 'A05', nir: makeTestNir({ order: 410, commune: 201 }), build: buildA05 },
      { label: 'admission, ALD exoneration', event: 'A01', nir: makeTestNir({ order: 460, commune: 202 }), build: buildA01 },
      { label: 'external visit, C2S', event: 'A04', nir: makeTestNir({ order: 510, commune: 203 }), build: buildA04 },
      { label: 'admission, maternity', event: 'A01', nir: makeTestNir({ order: 590, commune: 204 }), build: buildA01 },
    ];
    const run = Date.now().toString(36).toUpperCase();
    const mllp = new MllpClient({ host: '127.0.0.1', port: gateway.mllpPort, timeoutMs: 10000 });
    await mllp.connect();
    console.log('HL7 v2.5 (PAM FR) over MLLP:');
    const send = async (label: string, message: Buffer) => {
      const t = process.hrtime.bigint();
      const ack = parseHl7(await mllp.send(message));
      const err = ack.get('ERR', 1, 8);
      console.log(`  ${label.padEnd(44)} → ${ack.get('MSA', 1, 1)} in ${ms(t)}${err ? `  (ERR: ${err})` : ''}`);
      return ack.get('MSA', 1, 1);
    };
    await send('A28 identity', buildA28({ controlId: `DEMO-${run}-0`, nir: patients[0].nir }));
    for (const [i, p] of patients.entries()) {
      await send(`${p.event} ${p.label}`, p.build({ controlId: `DEMO-${run}-${i + 1}`, nir: p.nir }));
    }
    const duplicate = await send('A01 sent again (same MSH-10)', patients[1].build({ controlId: `DEMO-${run}-2`, nir: patients[1].nir }));
    const bad = await send('A01 with a wrong NIR key', buildA01({ controlId: `DEMO-${run}-9`, nir: patients[1].nir.slice(0, 13) + '00' }));
    await mllp.close();
    ok = ok && duplicate === 'AA' && bad === 'AE';

    console.log('\nAMO rights found by the CDRi checks the admissions queued:');
    const checks = new RightsCheckStore(new Sql(gateway.infra.dataSource));
    const deadline = Date.now() + 20000;
    for (const p of patients) {
      let check: RightsCheck | undefined;
      while (Date.now() < deadline) {
        check = await checks.latestFor(p.nir, 'hl7');
        if (check && check.state !== 'pending') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const a = check?.answer;
      ok = ok && check?.state === 'answered';
      console.log(
        `  ${mask(p.nir)} ${p.label.padEnd(30)} → ${check?.state ?? 'missing'}: ${a?.status ?? '-'}` +
          `${a?.organism ? `, organism ${a.organism.grandRegime} ${a.organism.caisse} ${a.organism.centre}` : ''}` +
          `${a?.exoneration ? `, exoneration ${a.exoneration.label}` : ''}${a?.c2s ? ', C2S' : ''}${a?.maternity ? ', maternity' : ''}`,
      );
    }

    console.log('\nAdmission kiosk over FHIR R4 (CoverageEligibilityRequest/$submit):');
    const nir = makeTestNir({ order: 120, commune: 205 });
    const t = process.hrtime.bigint();
    const res = await fetch(`http://127.0.0.1:${gateway.httpPort}/fhir/CoverageEligibilityRequest/$submit`, {
      method: 'POST',
      signal: AbortSignal.timeout(10_000),
      headers: { 'content-type': 'application/fhir+json', 'X-API-Key': kioskKey },
      body: JSON.stringify(eligibilityRequest(nir)),
    });
    const body = (await res.json()) as { resourceType: string; disposition?: string; insurance?: Array<{ inforce: boolean }> };
    console.log(
      `  ${mask(nir)} → HTTP ${res.status} ${body.resourceType} in ${ms(t)} (simulator latency ${config.cdri.mode === 'simulator' ? config.cdri.simulatorLatencyMs : '?'} ms)`,
    );
    console.log(`  inforce=${body.insurance?.[0]?.inforce}; ${body.disposition}`);
    ok = ok && res.status === 200 && body.insurance?.[0]?.inforce === true;

    const invoices = new InvoiceStore(new Sql(gateway.infra.dataSource));
    ok =
      (await billingDemo({
        baseUrl: `http://127.0.0.1:${gateway.httpPort}`,
        billingKey,
        finess: config.establishmentFiness,
        amo: gateway.simulators?.amo,
        history: async (id) => (await invoices.transitions(id)).map((t) => t.to),
      })) && ok;

    const health = (await (
      await fetch(`http://127.0.0.1:${gateway.httpPort}/health`, {
        headers: { 'X-API-Key': billingKey },
        signal: AbortSignal.timeout(10_000),
      })
    ).json()) as {
      status: string;
      mode: string;
      checks?: Record<string, { status: string; detail?: string }>;
    };
    // Embedded mode always reports degraded (not for production); any check not up is said, by name (operator key).
    const notUp = Object.entries(health.checks ?? {}).filter(([, c]) => c.status !== 'up');
    console.log(`\n/health: ${health.status} (${health.mode}), ${Object.keys(health.checks ?? {}).length - notUp.length} checks up`);
    for (const [name, c] of notUp) console.log(`  ${name}: ${c.status}${c.detail ? ` (${c.detail})` : ''}`);
  } finally {
    await gateway.stop();
  }
  console.log(ok ? '\nDemo completed.' : '\nDemo FAILED: see above.');
  process.exit(ok ? 0 : 1);
}

main().catch((err) => {
  console.error('Demo failed:', err);
  process.exit(1);
});
