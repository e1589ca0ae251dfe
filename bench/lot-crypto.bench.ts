/**
 * Lot crypto: the outgoing pipeline of a billing lot — CMS SignedData (attached, SHA-256, RSA PKCS#1 v1.5, chain,
 * signing-time) then AuthEnvelopedData (AES-256-GCM, RSA-OAEP-SHA-256) — on 5 MB and 50 MB random lots, file to
 * file. Baseline in the same run, on the same files: `openssl cms -sign` then `openssl cms -encrypt`, spawned, their
 * process start-up included (what a shell-out integration would pay), in OpenSSL's fastest mode (`-stream`: BIO
 * pipeline, no whole-file buffers). ratio = ours / openssl, target ≤ 1. Also reported: OpenSSL without -stream, and
 * our in-memory API (readFile → signCmsParts → encryptCms → writeFile) next to the streaming signAndEncryptFile.
 *
 * Ours runs in a child node process per size and mode (this file with `--ours`), so that rss_mb — its peak RSS,
 * process.resourceUsage().maxRSS — is that pipeline's alone. The key is loaded once before the timed rounds (the
 * gateway keeps it). signAndEncryptFile runs with durable: false here because OpenSSL does not fsync either.
 * Our outputs are decrypted and verified with OpenSSL once per size, outside the timings.
 *
 * Build and run:  npx tsc -p tsconfig.build.json && node dist/bench/lot-crypto.bench.js [rounds]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CertificateChecker, loadPkcs12File, parseCertificate, parseCertificates, signCmsParts } from '../src/signing';
import { encryptCms, signAndEncryptFile } from '../src/transport/cms';
import { getTestPki } from '../tests/support/test-pki';
import { type BenchResult, emit, note } from './support/results';

const SIZES_MB = [5, 50];
const TARGET_RATIO = 1.0;

/** What the child needs: file paths only (it has its own pid, hence no access to the parent's PKI cache). */
interface OursConfig {
  mode: 'stream' | 'buffer';
  lotPath: string;
  outPath: string;
  p12Path: string;
  password: string;
  trustStorePath: string;
  recipientPath: string;
  recipientChainPath: string;
  rounds: number;
}

interface OursResult {
  ms: number[];
  maxRssMb: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round1 = (x: number): number => Math.round(x * 10) / 10;

/** Child side: one warm-up round (JIT, first allocations), then `rounds` timed rounds. */
async function runOurs(config: OursConfig): Promise<OursResult> {
  const signer = await loadPkcs12File(config.p12Path, config.password);
  const checker = new CertificateChecker({ trustStore: readFileSync(config.trustStorePath, 'utf8') });
  const recipient = parseCertificate(readFileSync(config.recipientPath, 'utf8'));
  const recipientChain = parseCertificates(readFileSync(config.recipientChainPath, 'utf8'));
  const ms: number[] = [];
  for (let i = 0; i <= config.rounds; i++) {
    const t0 = performance.now();
    const now = new Date();
    if (config.mode === 'stream') {
      await signAndEncryptFile(config.lotPath, config.outPath, {
        signature: { signer, checker },
        encryption: { recipient, recipientChain, checker },
        now,
        durable: false,
      });
    } else {
      const lot = await readFile(config.lotPath);
      const signed = await signCmsParts(lot, { signer, checker, now });
      const { cms } = await encryptCms(signed.parts, { recipient, recipientChain, checker, now });
      await writeFile(config.outPath, cms);
    }
    if (i > 0) ms.push(performance.now() - t0);
  }
  return { ms, maxRssMb: process.resourceUsage().maxRSS / 1024 };
}

function timeOpenssl(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const elapsed = performance.now() - t0;
  if (r.status !== 0) throw new Error(`openssl ${args[1]} failed: ${r.stderr.toString()}`);
  return elapsed;
}

/** Runs the comparison; emits and returns one result per lot size. */
export async function runLotCryptoBench(rounds = 5): Promise<BenchResult[]> {
  const pki = getTestPki();
  const dir = mkdtempSync(join(tmpdir(), 'lot-crypto-bench-'));
  const results: BenchResult[] = [];
  try {
    for (const sizeMb of SIZES_MB) {
      const lotPath = join(dir, `lot-${sizeMb}.bin`);
      writeFileSync(lotPath, randomBytes(sizeMb * 1024 * 1024));
      note(`lot-crypto: ${sizeMb} MB, ${rounds} rounds of each pipeline (+1 warm-up)`);

      const ours = (mode: OursConfig['mode']): OursResult => {
        const config: OursConfig = {
          mode,
          lotPath,
          outPath: join(dir, `ours-${mode}-${sizeMb}.p7m`),
          p12Path: pki.seal.p12Path,
          password: pki.p12Password,
          trustStorePath: pki.trustStorePath,
          recipientPath: pki.recipient.certPath,
          recipientChainPath: pki.recipient.chainPath,
          rounds,
        };
        // Config through stdin, not argv: it holds the (test) PKCS#12 password.
        const stdout = execFileSync(process.execPath, [__filename, '--ours'], {
          input: JSON.stringify(config),
          stdio: ['pipe', 'pipe', 'inherit'],
        });
        checkWithOpenssl(config.outPath, lotPath, pki, dir);
        return JSON.parse(stdout.toString()) as OursResult;
      };
      const streamed = ours('stream');
      const buffered = ours('buffer');

      const openssl = (stream: boolean): number => {
        const flags = stream ? ['-stream'] : [];
        const signedPath = join(dir, `openssl-${sizeMb}.p7s`);
        const encPath = join(dir, `openssl-${sizeMb}.p7m`);
        const sign = [
          'cms',
          '-sign',
          ...flags,
          '-binary',
          '-nodetach',
          '-md',
          'sha256',
          '-in',
          lotPath,
          '-signer',
          pki.seal.certPath,
          '-inkey',
          pki.seal.keyPath,
          '-certfile',
          pki.seal.chainPath,
          '-outform',
          'DER',
          '-out',
          signedPath,
        ];
        const encrypt = [
          'cms',
          '-encrypt',
          ...flags,
          '-binary',
          '-aes-256-gcm',
          '-in',
          signedPath,
          '-recip',
          pki.recipient.certPath,
          '-keyopt',
          'rsa_padding_mode:oaep',
          '-keyopt',
          'rsa_oaep_md:sha256',
          '-outform',
          'DER',
          '-out',
          encPath,
        ];
        const ms: number[] = [];
        for (let i = 0; i <= rounds; i++) {
          const elapsed = timeOpenssl(sign) + timeOpenssl(encrypt);
          if (i > 0) ms.push(elapsed);
        }
        return median(ms);
      };
      const opensslStream = openssl(true);
      const opensslPlain = openssl(false);

      const oursMs = median(streamed.ms);
      const bufferMs = median(buffered.ms);
      const result: BenchResult = {
        bench: 'lot-crypto',
        size_mb: sizeMb,
        ours_ms: round1(oursMs),
        openssl_ms: round1(opensslStream),
        ratio: Math.round((oursMs / opensslStream) * 1000) / 1000,
        rss_mb: round1(streamed.maxRssMb),
        rounds,
        target_ratio: TARGET_RATIO,
        ours_buffer_ms: round1(bufferMs),
        ours_buffer_ratio: Math.round((bufferMs / opensslStream) * 1000) / 1000,
        ours_buffer_rss_mb: round1(buffered.maxRssMb),
        openssl_nostream_ms: round1(opensslPlain),
        pipeline: 'SignedData attached sha256/PKCS#1 v1.5 + chain, then AuthEnvelopedData aes-256-gcm, RSA-OAEP-SHA-256; file to file',
      };
      emit(result);
      results.push(result);
      rmSync(lotPath, { force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

/** Our output must be what it claims: OpenSSL decrypts it and verifies the signature against the test root. */
function checkWithOpenssl(ours: string, lotPath: string, pki: ReturnType<typeof getTestPki>, dir: string): void {
  const signed = join(dir, 'check.p7s');
  const content = join(dir, 'check.out');
  execFileSync(
    'openssl',
    [
      'cms',
      '-decrypt',
      '-binary',
      '-inform',
      'DER',
      '-in',
      ours,
      '-recip',
      pki.recipient.certPath,
      '-inkey',
      pki.recipient.keyPath,
      '-out',
      signed,
    ],
    { stdio: 'pipe' },
  );
  execFileSync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', signed, '-CAfile', pki.caBundlePath, '-out', content], {
    stdio: 'pipe',
  });
  if (!readFileSync(content).equals(readFileSync(lotPath))) throw new Error('our output does not round-trip through OpenSSL');
  rmSync(signed);
  rmSync(content);
}

if (require.main === module) {
  if (process.argv[2] === '--ours') {
    runOurs(JSON.parse(readFileSync(0, 'utf8')) as OursConfig).then(
      (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  } else {
    const rounds = Number(process.argv[2] ?? 5);
    runLotCryptoBench(Number.isInteger(rounds) && rounds > 0 ? rounds : 5).then(
      () => process.exit(0),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  }
}
