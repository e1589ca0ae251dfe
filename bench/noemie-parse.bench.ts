/**
 * NOEMIE parsing (modelled RSP entities): a return file of N invoice outcomes — one in ten rejected with a motive
 * (210), payments (220) every 1,000 — read by readNoemieFile (every field decoded from its declaration, structure
 * and 990 totals checked). Baseline in the same run: splitting the same text into lines only, what any reader pays.
 * ratio = ours / baseline in records per second.
 *
 * Build and run:  npm run build:dev && node dist/bench/noemie-parse.bench.js [invoices] [rounds]
 * or              BENCH_ONLY=noemie-parse npm run bench        (BENCH_NOEMIE_INVOICES, default 100,000)
 */
import { loadavg } from 'node:os';
import { type B2Record } from '../src/fides/b2/b2-values';
import { splitB2Lines } from '../src/fides/b2/b2-file-reader';
import { checkNoemieTotals, readNoemieFile, renderNoemieFile } from '../src/fides/b2/noemie-file';
import { type BenchResult, emit, note } from './support/results';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function buildRsp(n: number): string {
  const body: B2Record[] = [{ code: '040', values: { partnerNumber: '990000010' } }];
  for (let i = 0; i < n; i++) {
    const rejected = i % 10 === 9;
    body.push({
      code: '200',
      values: {
        lotNumber: '001',
        invoiceNumber: String(260000001 + i),
        insuredNir: '2850375123456',
        insuredNirKey: '88',
        outcome: rejected ? 'R' : 'P',
        billedAmount: 3098 + (i % 100),
        paidAmount: rejected ? undefined : 3098 + (i % 100),
        paymentDate: rejected ? undefined : '2026-12-10',
        paymentReference: rejected ? undefined : `VIR${Math.floor(i / 1000)}`,
        careDate: '2026-11-20',
      },
    });
    if (rejected) body.push({ code: '210', values: { anomalyCode: 'DF001', dataConcerned: 'DROITS', comment: 'DROITS FERMES' } });
    if (i % 1000 === 999)
      body.push({
        code: '220',
        values: { paymentReference: `VIR${Math.floor(i / 1000)}`, paymentDate: '2026-12-10', amount: 1, invoiceCount: 900 },
      });
  }
  const header = {
    fileKind: 'RSP',
    emitterRegime: '01',
    emitterFund: '751',
    recipientId: '990000028',
    returnFileId: 'R1',
    creationDate: '2026-12-10',
    creationTime: '0900',
    normVersion: 'NOEMIE1',
    testIndicator: 'T',
  };
  return renderNoemieFile(header, body);
}

export async function runNoemieParseBench(
  invoices = Number(process.env.BENCH_NOEMIE_INVOICES ?? 100_000),
  rounds = 3,
): Promise<BenchResult[]> {
  const text = buildRsp(invoices);
  const records = splitB2Lines(text).length;
  note(`noemie-parse: RSP of ${invoices} invoice outcomes, ${records} records, ${rounds} rounds (+1 warm-up)`);
  const ours: number[] = [];
  const base: number[] = [];
  let lines = 0;
  for (let r = 0; r <= rounds; r++) {
    let c0 = cpuMs();
    const reading = readNoemieFile(text);
    if (checkNoemieTotals(reading).length > 0 || reading.invoices.length !== invoices)
      throw new Error('noemie-parse: the file does not read back');
    const o = cpuMs() - c0;
    c0 = cpuMs();
    lines += splitB2Lines(text).length;
    const b = cpuMs() - c0;
    if (r > 0) {
      ours.push(o);
      base.push(b);
    }
  }
  const oursRate = Math.round((records / median(ours)) * 1000);
  const baseRate = Math.round((records / median(base)) * 1000);
  return [
    {
      bench: 'noemie-parse',
      invoices,
      records,
      file_mb: Math.round((text.length / 2 ** 20) * 10) / 10,
      ours_cpu_ms: Math.round(median(ours)),
      baseline_cpu_ms: Math.round(median(base)),
      ours_records_per_cpu_s: oursRate,
      baseline_records_per_cpu_s: baseRate,
      ratio: Math.round((oursRate / baseRate) * 1000) / 1000,
      rounds,
      loadAvg1: Math.round(loadavg()[0] * 100) / 100,
      rss_mb: Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10,
      sink: lines > 0,
    },
  ];
}

if (require.main === module) {
  const [n, rounds] = process.argv.slice(2).map(Number);
  runNoemieParseBench(n || undefined, rounds || undefined).then(
    (results) => results.forEach((r) => emit(r)),
    (err: unknown) => {
      note(`noemie-parse CRASHED: ${(err as Error)?.stack ?? String(err)}`);
      process.exitCode = 1;
    },
  );
}
