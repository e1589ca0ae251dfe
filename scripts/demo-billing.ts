import { type AmoSimulator } from '../src/simulators/amo/amo-simulator';
import { makeTestNir, simulateRights } from '../src/simulators/cdri/simulated-patients';
import { FIDES_IDENTIFIERS } from '../src/fides/fhir/fides-fhir-definitions';
import { aceClaim } from '../tests/support/fides-claims';

/**
 * The billing part of `npm run demo` (issue 9 §5): three ACE invoices of CDRi-simulator patients go through
 * pre-flight, a lot closed by hand, the AMO simulator (SMTP, sealed + encrypted both ways) and its ARL/RSP returns:
 * - open rights → paid;
 * - rights closed in the CDRi answer → held by pre-flight (never sent), with its reason;
 * - rights open in the CDRi answer but closed at the caisse since (told to the AMO simulator only) → rejected by the
 *   insurer, with its reject code.
 * Every wait is bounded; the scenario succeeds only when the three outcomes are reached, and says which step did not
 * happen otherwise. It reads what a billing office would (ClaimResponse, lots), plus each invoice's recorded history.
 */
export interface BillingDemoContext {
  baseUrl: string;
  /** An API key with roles billing + operator for the establishment's FINESS. */
  billingKey: string;
  finess: string;
  amo?: AmoSimulator;
  /** The recorded transitions of an invoice, oldest first (the demo reads the store: there is no route for them). */
  history: (invoiceId: string) => Promise<string[]>;
  /** Bounds of the two waits (ms): pre-flight (CDRi checks), then lot → ARL → RSP. */
  preflightWaitMs?: number;
  returnsWaitMs?: number;
}

type Json = Record<string, unknown>;
type Money = { value?: number };
type Coding = { code?: string; display?: string };
/** What the demo reads of a ClaimResponse (claim-response.builder.ts, claim-response-returns.ts). */
interface ClaimResponseView {
  disposition?: string;
  error?: Array<{ code?: { coding?: Coding[]; text?: string }; extension?: Array<{ valueString?: string }> }>;
  total?: Array<{ category?: { coding?: Coding[] }; amount?: Money }>;
  payment?: { date?: string; amount?: Money; identifier?: { value?: string } };
}
/** What the demo reads of POST /fides/lots/close and GET /fides/lots/{id} (lot-view.ts). */
interface LotJson {
  id: string;
  lotRef: string;
  lotNumber: number;
  fileNumber: number;
  invoiceCount: number;
  arl?: { status: string | null };
  invoices?: Array<{ claim: string; amoCents: number }>;
}
interface CloseJson {
  lots?: LotJson[];
  unrouted?: unknown[];
  refused?: Array<{ claim: string; problems: unknown }>;
}

interface DemoInvoice {
  label: string;
  nir: string;
  /** State after pre-flight, and the final state the demo must see. */
  afterPreflight: 'ready' | 'preflight-failed';
  final: 'paid' | 'preflight-failed' | 'rejected';
  insurerClosesRights?: boolean;
  invoiceNumber: string;
  id?: string;
  state?: string;
  response?: ClaimResponseView;
  /** The last read of its ClaimResponse failed (e.g. HTTP 429). */
  readError?: string;
}

/** No request of the demo waits longer than this for its answer. */
const REQUEST_TIMEOUT_MS = 10_000;
const mask = (nir: string) => `${nir.slice(0, 5)}••••••••••`;
const isoDay = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
const eur = (v: unknown) => (typeof v === 'number' ? `${v.toFixed(2)} EUR` : '-');
/** States after which nothing more happens on its own (file-refused is resent: not final). */
const SETTLED = new Set(['paid', 'partly-paid', 'rejected', 'warned', 'preflight-failed']);
/** Born 15 January 1992 (the contained Patient of tests/support/fides-claims.ts): birth date and NIR agree. */
const patient = (order: number, commune: number) => makeTestNir({ sex: 2, year: 92, month: 1, dept: '75', commune, order });

/** Runs the billing scenario; true only when each invoice reached its expected outcome. */
export async function billingDemo(ctx: BillingDemoContext): Promise<boolean> {
  const dateOfCare = isoDay(-1);
  const run = String(Date.now() % 10_000_000);
  const invoices: DemoInvoice[] = [
    { label: 'open rights', nir: patient(130, 206), afterPreflight: 'ready', final: 'paid', invoiceNumber: `${run}1` },
    {
      label: 'rights closed (CDRi)',
      nir: patient(420, 207),
      afterPreflight: 'preflight-failed',
      final: 'preflight-failed',
      invoiceNumber: `${run}2`,
    },
    {
      label: 'closed at the caisse since the CDRi check',
      nir: patient(140, 208),
      afterPreflight: 'ready',
      final: 'rejected',
      insurerClosesRights: true,
      invoiceNumber: `${run}3`,
    },
  ];
  const headers = { 'content-type': 'application/fhir+json', 'X-API-Key': ctx.billingKey };
  const fail = (why: string) => {
    console.log(`  BILLING DEMO FAILED: ${why}`);
    if (ctx.amo) {
      const s = ctx.amo.stats();
      console.log(
        `  AMO simulator: ${s.filesReceived} file(s) received, ${s.arlWritten} ARL and ${s.rspWritten} RSP written` +
          `${ctx.amo.lastError ? `, last error: ${ctx.amo.lastError}` : ''}`,
      );
    }
    return false;
  };

  console.log('\nFIDES billing (FHIR Claims → pre-flight → B2 lot sealed + encrypted → AMO simulator → ARL / RSP):');
  if (!ctx.amo) return fail('no AMO simulator in this gateway (full simulation needs FIDES on and no SIGNING_SEAL_P12_FILE)');
  for (const inv of invoices) {
    if (inv.insurerClosesRights) closeRightsAtTheCaisse(ctx.amo, inv.nir, ctx.finess, dateOfCare);
    const res = await fetch(`${ctx.baseUrl}/fhir/Claim`, {
      method: 'POST',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      headers,
      body: JSON.stringify(demoClaim({ nir: inv.nir, invoiceNumber: inv.invoiceNumber, finess: ctx.finess, dateOfCare })),
    });
    const body = (await res.json()) as { id?: string; issue?: Array<{ diagnostics?: string }> };
    inv.id = body.id;
    console.log(
      `  Claim ${inv.invoiceNumber} ${mask(inv.nir)} ${inv.label.padEnd(42)} → HTTP ${res.status}` +
        `${body.issue ? ` ${body.issue[0]?.diagnostics}` : ''}`,
    );
  }
  if (invoices.some((inv) => !inv.id)) return fail('an invoice was not accepted (POST /fhir/Claim)');

  // Pre-flight waits for the CDRi checks it queued: the lot is closed once every invoice has its verdict.
  const preflightWait = ctx.preflightWaitMs ?? 20_000;
  const preflightDone = await settle(ctx, invoices, (inv) => inv.state === 'ready' || SETTLED.has(inv.state ?? ''), preflightWait);
  for (const inv of invoices) {
    const as = inv.state === inv.afterPreflight;
    console.log(
      `  after pre-flight: ${inv.invoiceNumber} ${inv.label.padEnd(42)} → ${inv.state}${as ? '' : `  (expected ${inv.afterPreflight})`}`,
    );
    for (const e of errorsOf(inv.response)) console.log(`      ${e}`);
  }
  if (!preflightDone) return fail(`pre-flight did not settle every invoice within ${preflightWait / 1000} s`);
  if (invoices.some((inv) => inv.state !== inv.afterPreflight)) return fail('pre-flight did not decide as expected (reasons above)');

  const close = await fetch(`${ctx.baseUrl}/fides/lots/close`, {
    method: 'POST',
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    headers: { 'content-type': 'application/json', 'X-API-Key': ctx.billingKey },
    body: JSON.stringify({ finess: ctx.finess }),
  });
  const closed = (await close.json()) as CloseJson;
  if (!close.ok) return fail(`POST /fides/lots/close → HTTP ${close.status}: ${JSON.stringify(closed).slice(0, 300)}`);
  const lots = closed.lots ?? [];
  console.log(
    `  POST /fides/lots/close → HTTP ${close.status}: ${lots.map((l) => `lot ${l.lotRef} (${l.invoiceCount} invoice(s))`).join(', ') || 'no lot'}`,
  );
  for (const r of closed.refused ?? []) console.log(`      not put in a lot: ${r.claim} ${JSON.stringify(r.problems)}`);
  if ((closed.unrouted ?? []).length) console.log(`      unrouted: ${JSON.stringify(closed.unrouted)}`);

  const returnsWait = ctx.returnsWaitMs ?? 45_000;
  const settled = await settle(ctx, invoices, (inv) => SETTLED.has(inv.state ?? ''), returnsWait);
  const lotOf = await lotsOfInvoices(ctx, lots);

  console.log('\n  What became of each invoice:');
  let ok = settled;
  for (const inv of invoices) {
    const as = inv.state === inv.final;
    ok = ok && as;
    const r: ClaimResponseView = inv.response ?? {};
    const path = await ctx.history(inv.id!);
    console.log(
      `  • invoice ${inv.invoiceNumber} (${inv.label}, patient ${mask(inv.nir)}): ${inv.state}${as ? '' : `  (expected ${inv.final})`}`,
    );
    console.log(`      states: ${path.join(' → ')}`);
    const lot = lotOf.get(inv.id!);
    const billed = amount(r, 'submitted') ?? (lot ? lot.amoCents / 100 : undefined);
    if (lot) console.log(`      lot ${lot.lotRef} (lot number ${lot.lotNumber}, file ${lot.fileNumber}), ARL ${lot.arl ?? 'not yet'}`);
    if (inv.state === 'paid' || inv.state === 'partly-paid') {
      console.log(`      billed to the AMO ${eur(billed)}, paid ${eur(r.payment?.amount?.value)} on ${r.payment?.date ?? '-'}`);
      console.log(`      payment reference ${r.payment?.identifier?.value ?? '-'}`);
    } else if (inv.state === 'rejected') {
      console.log(`      billed to the AMO ${eur(billed)}, paid ${eur(amount(r, 'benefit') ?? 0)}`);
    }
    for (const e of errorsOf(r)) console.log(`      ${e}`);
    if (r.disposition) console.log(`      ${r.disposition}`);
  }
  if (!settled) {
    const stuck = invoices
      .filter((inv) => !SETTLED.has(inv.state ?? ''))
      .map((inv) => `${inv.invoiceNumber} in ${inv.state}${inv.readError ? ` (last read: ${inv.readError})` : ''}`);
    return fail(`no final state within ${returnsWait / 1000} s for ${stuck.join(', ')} (lot not sent, or ARL/RSP not applied)`);
  }
  return ok || fail('an invoice ended in another state than expected');
}

/** The insurer's file changed after the CDRi answer: only the AMO simulator knows (pre-flight cannot see it). */
function closeRightsAtTheCaisse(amo: AmoSimulator, nir: string, finess: string, dateOfCare: string): void {
  const outcome = simulateRights({ nir, dateOfCare, finess, correlationId: 'demo' });
  if (outcome.kind !== 'answer') throw new Error('demo: the chosen patient has no simulated answer');
  const start = outcome.answer.periods[0]?.start ?? dateOfCare;
  amo.overrideRights(nir, { ...outcome.answer, status: 'CLOSED', periods: [{ start, end: isoDay(-2) }] });
}

/**
 * Polls the ClaimResponse of each invoice not yet `done` until all are (true), or `limitMs` has passed (false). Every
 * 500 ms: the billing client's requests stay well under the per-client rate limit. A read refused (HTTP error) keeps
 * the last state known and is said if it is the last word.
 */
async function settle(
  ctx: BillingDemoContext,
  invoices: DemoInvoice[],
  done: (inv: DemoInvoice) => boolean,
  limitMs: number,
): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    for (const inv of invoices.filter((i) => i.state === undefined || !done(i))) {
      const res = await fetch(`${ctx.baseUrl}/fhir/ClaimResponse?request=Claim/${inv.id}`, {
        headers: { 'X-API-Key': ctx.billingKey },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      if (!res.ok) {
        inv.readError = `HTTP ${res.status}`;
        continue;
      }
      const bundle = (await res.json()) as { entry?: Array<{ resource: ClaimResponseView }> };
      inv.readError = undefined;
      inv.response = bundle.entry?.[0]?.resource;
      inv.state = stateOf(inv.response);
    }
    if (invoices.every(done)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** "Invoice <number>: <state>…" (claim-response.builder.ts, claim-response-returns.ts). */
function stateOf(response: ClaimResponseView | undefined): string | undefined {
  return /^Invoice \S+: ([a-z-]+)/.exec(response?.disposition ?? '')?.[1];
}

/**
 * Pre-flight findings and AMO reject motives, as the ClaimResponse gives them: code and wording, once per code (a
 * pre-flight rule may trip on several lines: the fields are listed).
 */
function errorsOf(response: ClaimResponseView | undefined): string[] {
  const byCode = new Map<string, { text: string; fields: string[] }>();
  for (const e of response?.error ?? []) {
    const coding = e.code?.coding?.[0] ?? {};
    const code = coding.code ?? '?';
    const field = e.extension?.find((x) => typeof x.valueString === 'string')?.valueString;
    // Pre-flight wordings start with the field they name: said once, after the wording.
    const text = (e.code?.text ?? coding.display ?? '').replace(/^[\w[\].]+: /, '');
    const seen = byCode.get(code) ?? { text, fields: [] };
    if (field) seen.fields.push(field);
    byCode.set(code, seen);
  }
  return [...byCode].map(([code, { text, fields }]) => `reason ${code}: ${text}${fields.length ? ` (${fields.join(', ')})` : ''}`);
}

function amount(response: ClaimResponseView, category: 'submitted' | 'benefit'): number | undefined {
  return response.total?.find((t) => t.category?.coding?.[0]?.code === category)?.amount?.value;
}

interface LotOfInvoice {
  lotRef: string;
  lotNumber: number;
  fileNumber: number;
  arl?: string;
  amoCents: number;
}

/** Invoice id → its lot, read back from GET /fides/lots/{id} (state, ARL) for the lots the close made. */
async function lotsOfInvoices(ctx: BillingDemoContext, lots: LotJson[]): Promise<Map<string, LotOfInvoice>> {
  const found = new Map<string, LotOfInvoice>();
  for (const l of lots) {
    const res = await fetch(`${ctx.baseUrl}/fides/lots/${l.id}`, {
      headers: { 'X-API-Key': ctx.billingKey },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (!res.ok) {
      console.log(`      GET /fides/lots/${l.id} → HTTP ${res.status}`);
      continue;
    }
    const lot = (await res.json()) as LotJson;
    for (const i of lot.invoices ?? []) {
      found.set(i.claim.replace(/^Claim\//, ''), {
        lotRef: lot.lotRef,
        lotNumber: lot.lotNumber,
        fileNumber: lot.fileNumber,
        arl: lot.arl?.status ?? undefined,
        amoCents: i.amoCents,
      });
    }
  }
  return found;
}

/** An ACE invoice (G consultation + CCAM act) of a CDRi-simulator patient, billed to the caisse the simulator gives. */
function demoClaim(o: { nir: string; invoiceNumber: string; finess: string; dateOfCare: string }): Json {
  const claim = aceClaim({ invoiceNumber: o.invoiceNumber, finess: o.finess, beneficiaryNir: o.nir });
  const [coverage] = claim.contained as Json[];
  // Caisse = birth département + "1", centre = "0" + commune (simulated-patients.ts), régime général.
  coverage.payor = [{ identifier: { system: FIDES_IDENTIFIERS.amoOrganism, value: `01${o.nir.slice(5, 7)}10${o.nir.slice(7, 10)}` } }];
  const items = (claim.item as Json[]).map((item) => ({ ...item, servicedDate: o.dateOfCare }));
  return {
    ...claim,
    billablePeriod: { start: o.dateOfCare, end: o.dateOfCare },
    created: new Date().toISOString(),
    item: items,
  };
}
