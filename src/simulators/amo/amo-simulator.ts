/**
 * AMO simulator: a real SMTP server (smtp-server) standing in for an insurer's billing front end, so that tests, the
 * embedded mode and the demo run the real wire path — the gateway's SmtpChannel, CMS sealing and encryption, the B2
 * declarations, the returns folder its poller reads — and not a mock.
 *
 * For each lot (an SMTP message whose attachment is `<lotRef>.p7m`, or a `*.p7m` file in the optional drop folder):
 * decrypt with our key, verify the hospital's seal against the trust store (signing is mandatory: unsigned or badly
 * signed → negative ARL), read the B2 (malformed → negative ARL whose 110 names line, record type and field), check
 * one caisse per file; then, `arlDelayMs` after receipt, drop `ARL_<lotRef>.p7m`, and `rspDelayMs` after that
 * `RSP_<lotRef>.p7m` with each invoice paid or rejected by the payment rules (amo-payment-rules.ts: deterministic,
 * consistent with the CDRi simulator's patients). Returns are sealed with `signing`, encrypted to
 * `returnRecipientCertPem` and dropped atomically. A lot reference already received is a repeat (the outbox resends
 * after a crash): counted, never answered twice.
 *
 * Faults (options, `configure`, or per lot with `injectFaults`): loseArl — the ARL is never written (the RSP still
 * comes: the caisse processed the file); refuseFile — negative ARL (reason REFU), no RSP; duplicateReturn — once the
 * RSP (the ARL of a refused file) has been consumed from the returns folder, the same bytes are dropped again under
 * the same name. Codes, wordings and the return layouts are MODELLED (README.md).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { type AmoRightsAnswer } from '../../cdri/amo-rights.port';
import { CertificateChecker, type SoftwareKeyProvider, loadPem, parseCertificate } from '../../signing';
import { type ReadInvoice, type ReadRecord } from '../../fides/b2';
import { AmoLedger, type AmoCounters, type AmoInvoiceOutcome, type AmoLotOutcome } from './amo-ledger';
import { type LotRefParts, type LotSummary, parseLotRef, readReceivedLot } from './amo-lot-reader';
import { invoiceFacts, settleInvoice, simulatedRights, type RightsLookup } from './amo-payment-rules';
import { ARL_REASONS } from './amo-return-codes';
import { AmoReturnWriter } from './amo-return-writer';
import { renderArl, renderRsp, type SettledInvoice } from './amo-returns';
import { lotRefOfFileName } from './lot-mail';
import { AmoLotIntake } from './amo-lot-intake';

export type { AmoCounters, AmoInvoiceOutcome, AmoLotOutcome } from './amo-ledger';

export interface AmoSimulatorFaults {
  loseArl?: boolean;
  duplicateReturn?: boolean;
  refuseFile?: boolean;
}

export interface AmoSimulatorOptions {
  host?: string; // default 127.0.0.1
  smtpPort?: number; // 0 / undefined = any free port
  decryption: { keyPem: string; certPem: string }; // lots are encrypted to this cert
  signing: { keyPem: string; certPem: string; chainPem?: string }; // seals the returns
  trustStorePem: string; // CA(s) that verify the hospital's seal on lots
  returnRecipientCertPem: string; // returns are encrypted to this (the hospital's decryption cert); keyUsage keyEncipherment
  returnsDir: string; // where ARL/RSP files are dropped (the gateway's RETURNS_DIR)
  arlDelayMs?: number; // default 1000
  rspDelayMs?: number; // default 5000
  faults?: AmoSimulatorFaults;
  now?: () => Date;
  /** Also take lots dropped as `*.p7m` files in this folder (file-drop channel); polled every `dropPollMs` (500). */
  dropDir?: string;
  dropPollMs?: number;
  /** How often a dropped return is looked for before its duplicate is written (default 200 ms). */
  duplicatePollMs?: number;
  /** STARTTLS for the SMTP server (default: plaintext, for local use only). */
  smtpTls?: { keyPem: string; certPem: string };
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

export class AmoSimulator {
  private readonly decryption: SoftwareKeyProvider;
  private readonly sealChecker: CertificateChecker;
  private readonly writer: AmoReturnWriter;
  private readonly ledger = new AmoLedger();
  private readonly lotFaults = new Map<string, AmoSimulatorFaults>();
  private readonly overrides = new Map<string, AmoRightsAnswer>();
  private readonly hmacKey = randomBytes(32);
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly pending = new Set<Promise<unknown>>();
  private arlDelayMs: number;
  private rspDelayMs: number;
  private faults: AmoSimulatorFaults;
  private intake?: AmoLotIntake;
  private stopped = false;

  constructor(private readonly opts: AmoSimulatorOptions) {
    this.decryption = loadPem({ certificate: opts.decryption.certPem, privateKey: opts.decryption.keyPem });
    this.sealChecker = new CertificateChecker({ trustStore: opts.trustStorePem });
    this.writer = new AmoReturnWriter({
      signer: loadPem({ certificate: opts.signing.certPem, privateKey: opts.signing.keyPem, chain: opts.signing.chainPem }),
      recipient: parseCertificate(opts.returnRecipientCertPem),
      returnsDir: opts.returnsDir,
    });
    this.writer.checkCertificates(this.now());
    this.arlDelayMs = opts.arlDelayMs ?? 1000;
    this.rspDelayMs = opts.rspDelayMs ?? 5000;
    this.faults = { ...opts.faults };
  }

  async start(): Promise<{ smtpPort: number }> {
    if (this.intake) throw new Error('AmoSimulator already started');
    this.stopped = false;
    const intake = new AmoLotIntake({
      host: this.opts.host ?? '127.0.0.1',
      smtpPort: this.opts.smtpPort ?? 0,
      smtpTls: this.opts.smtpTls,
      dropDir: this.opts.dropDir,
      dropPollMs: this.opts.dropPollMs ?? 500,
      onLot: (fileName, bytes) => this.receiveFile(fileName, bytes).catch((err: unknown) => this.failed(err)),
      onUnidentified: () => void this.ledger.counters.unidentified++,
    });
    const smtpPort = await intake.start();
    this.intake = intake;
    return { smtpPort };
  }

  /** Stops listening and cancels returns not yet written (a stopped insurer answers nothing more). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const intake = this.intake;
    this.intake = undefined;
    await intake?.stop();
    await Promise.allSettled([...this.pending]);
  }

  /** Changes delays and faults for the lots received from now on. */
  configure(partial: { arlDelayMs?: number; rspDelayMs?: number; faults?: AmoSimulatorFaults }): void {
    if (partial.arlDelayMs !== undefined) this.arlDelayMs = partial.arlDelayMs;
    if (partial.rspDelayMs !== undefined) this.rspDelayMs = partial.rspDelayMs;
    if (partial.faults) this.faults = { ...this.faults, ...partial.faults };
  }

  /** Faults for the next receipt of one lot reference (added to the global ones), e.g. refuse exactly this file once. */
  injectFaults(lotRef: string, faults: AmoSimulatorFaults): void {
    this.lotFaults.set(lotRef, { ...this.lotFaults.get(lotRef), ...faults });
  }

  /** From now on, this NIR's rights are `answer` (e.g. the same override given to the CDRi simulator). */
  overrideRights(nir: string, answer: AmoRightsAnswer): void {
    this.overrides.set(this.keyOf(nir), answer);
  }

  clearOverride(nir: string): void {
    this.overrides.delete(this.keyOf(nir));
  }

  stats(): AmoCounters {
    return { ...this.ledger.counters };
  }

  /** What became of one lot (undefined when never received). */
  lot(lotRef: string): AmoLotOutcome | undefined {
    return this.ledger.lot(lotRef);
  }

  lots(): AmoLotOutcome[] {
    return this.ledger.all();
  }

  /** Last failure to write a return, if any (for tests and the demo's diagnostics). */
  get lastError(): string | undefined {
    return this.ledger.lastError;
  }

  /**
   * Resolves once nothing is scheduled or running: every lot received so far is answered (a duplicate waiting for its
   * first copy to be consumed keeps it pending). For tests: "no RSP came" is then a fact, not a timing guess.
   */
  async idle(): Promise<void> {
    while (this.timers.size > 0 || this.pending.size > 0) {
      if (this.pending.size > 0) await Promise.allSettled([...this.pending]);
      else await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Forgets lots, counters, per-lot faults and overrides (so a lot reference may be received afresh). */
  reset(): void {
    this.ledger.reset();
    this.lotFaults.clear();
    this.overrides.clear();
  }

  /**
   * Takes one lot file, as the SMTP server and the drop folder do: answered asynchronously (ARL then RSP). Resolves
   * once the lot is read and its answers scheduled.
   */
  receiveFile(fileName: string, bytes: Buffer): Promise<void> {
    const work = this.receive(fileName, bytes);
    return this.track(work);
  }

  private async receive(fileName: string, bytes: Buffer): Promise<void> {
    const receivedAt = this.now();
    this.ledger.counters.filesReceived++;
    const lotRef = lotRefOfFileName(fileName);
    // A repeat (the outbox resending after a crash) is dropped; a file refused by a negative ARL may be sent again.
    const known = this.ledger.lot(lotRef);
    if (known !== undefined && known.arl !== 'N') {
      this.ledger.counters.duplicatesReceived++;
      return;
    }
    if (!SAFE_NAME.test(lotRef) || lotRef.includes('..')) {
      this.ledger.counters.unidentified++;
      return;
    }
    const lot = this.ledger.open(lotRef, receivedAt);
    const settled: SettledInvoice[] = [];
    const lookup: RightsLookup = (query) => this.overrides.get(this.keyOf(query.nir)) ?? simulatedRights(query);
    const keys = { decryption: this.decryption, sealChecker: this.sealChecker };
    const read = await readReceivedLot(bytes, keys, receivedAt, (inv, lotHeader) => settled.push(settleOne(inv, lotHeader, lookup)));
    const summary = read.summary;
    const ids = parseLotRef(lotRef) ?? (summary ? idsOf(summary) : undefined);
    if (ids === undefined) {
      // Neither the name nor the content says whose file it is: nobody to acknowledge.
      this.ledger.counters.unidentified++;
      return;
    }
    // Per-lot faults are triggers: used by the first receipt only, so that a resent file is processed normally.
    const faults = { ...this.faults, ...this.lotFaults.get(lotRef) };
    this.lotFaults.delete(lotRef);
    let refusal = read.ok ? undefined : { reason: read.reason, anomalies: read.anomalies };
    if (refusal === undefined && faults.refuseFile) refusal = { reason: ARL_REASONS.refused, anomalies: [] };
    lot.arl = refusal ? 'N' : 'P';
    lot.arlReason = refusal?.reason.code;
    lot.anomalies = refusal?.anomalies.map((a) => ({ line: a.line, recordType: a.recordType, fieldName: a.fieldName }));

    const arlText = renderArl({ lotRef, ids, summary, refusal, receivedAt, now: receivedAt });
    const arlDelay = this.arlDelayMs;
    const arlName = `ARL_${lotRef}.p7m`;
    this.later(arlDelay, async () => {
      if (faults.loseArl) {
        this.ledger.counters.arlLost++;
        return;
      }
      const bytesOut = await this.writer.seal(arlText, this.now());
      await this.writer.drop(arlName, bytesOut);
      this.ledger.counters.arlWritten++;
      lot.arlWritten = true;
      if (refusal && faults.duplicateReturn) this.duplicateWhenConsumed(arlName, bytesOut);
    });
    if (refusal || summary === undefined) return;

    lot.invoices = settled.map((s): AmoInvoiceOutcome => ({
      invoiceNumber: String(s.head.invoiceNumber),
      outcome: s.settlement.outcome,
      motiveCode: s.settlement.outcome === 'P' ? undefined : s.settlement.motive.code,
      billedAmount: s.settlement.billedAmount,
      paidAmount: s.settlement.outcome === 'R' ? undefined : s.settlement.paidAmount,
    }));
    const rspName = `RSP_${lotRef}.p7m`;
    this.later(arlDelay + this.rspDelayMs, async () => {
      const now = this.now();
      const bytesOut = await this.writer.seal(renderRsp({ lotRef, ids, header: summary.header, invoices: settled, now }), now);
      await this.writer.drop(rspName, bytesOut);
      this.ledger.counters.rspWritten++;
      lot.rspWritten = true;
      if (faults.duplicateReturn) this.duplicateWhenConsumed(rspName, bytesOut);
    });
  }

  /** Once `fileName` has left the returns folder (taken by the poller), drops the same bytes again. */
  private duplicateWhenConsumed(fileName: string, bytes: Buffer): void {
    const poll = this.opts.duplicatePollMs ?? 200;
    const check = async (): Promise<void> => {
      if (await this.writer.present(fileName)) return this.later(poll, check);
      await this.writer.drop(fileName, bytes);
      this.ledger.counters.duplicatesWritten++;
    };
    this.later(poll, check);
  }

  /** Runs `job` after `ms` unless stopped; its failure is counted (a return that could not be written). */
  private later(ms: number, job: () => Promise<void>): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.stopped) return;
      void this.track(job()).catch((err: unknown) => this.failed(err));
    }, ms);
    this.timers.add(timer);
  }

  /** A lot that could not be answered, or a return that could not be written: counted, its message kept. */
  private failed(err: unknown): void {
    this.ledger.counters.returnErrors++;
    this.ledger.lastError = err instanceof Error ? err.message : String(err);
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.pending.add(work);
    const done = (): void => void this.pending.delete(work);
    work.then(done, done);
    return work;
  }

  private now(): Date {
    return this.opts.now ? this.opts.now() : new Date();
  }

  private keyOf(nir: string): string {
    return createHmac('sha256', this.hmacKey).update(nir).digest('base64url');
  }
}

/** One invoice settled by the payment rules, with only what its RSP lines repeat. */
function settleOne(inv: ReadInvoice, lotHeader: ReadRecord, lookup: RightsLookup): SettledInvoice {
  const facts = invoiceFacts(inv);
  const h = inv.records[0].values;
  return {
    lotNumber: String(lotHeader.values.lotNumber),
    partnerNumber: String(lotHeader.values.partnerNumber),
    head: { invoiceNumber: h.invoiceNumber, insuredNir: h.insuredNir, insuredNirKey: h.insuredNirKey, beneficiaryRank: h.beneficiaryRank },
    careDate: facts.dateOfCare,
    settlement: settleInvoice(facts, lookup),
  };
}

/** The lot identity read from the file header, when the file name is not a lot reference. */
function idsOf(summary: LotSummary): LotRefParts | undefined {
  const h = summary.header;
  const s = (v: unknown): string => (typeof v === 'string' ? v : '');
  const ids = { emitterId: s(h.emitterId), grandRegime: s(h.grandRegime), managingFund: s(h.managingFund), fileNumber: s(h.fileNumber) };
  return Object.values(ids).every((v) => v !== '') ? ids : undefined;
}
