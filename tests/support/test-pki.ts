/**
 * A throwaway IGC Santé-like PKI, generated with the `openssl` CLI into a temp directory the first time a process
 * asks for it, then reused by every test file of that process (the directory is keyed by pid).
 * Nothing is committed: keys and certificates exist only for the run (directories of finished runs are swept).
 *
 *   const pki = getTestPki();
 *   loadPkcs12(pki.seal.p12, pki.p12Password)            // the hospital's ORG SIGN seal
 *   new CertificateChecker({ trustStore: pki.trustStorePem })
 *   openssl … -CAfile pki.caBundlePath                   // root + intermediate, for OpenSSL's own checks
 *
 * Layout: root CA → intermediate CA (pathlen 0) → leaves; a separate "rogue" root issues the untrusted leaf.
 * Every leaf has: certificate, key, chain (its issuing CA), and a PKCS#12 of all three protected by p12Password.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One generated certificate and its files. */
export interface TestCertificate {
  readonly name: string;
  readonly certPath: string;
  readonly keyPath: string;
  /** Issuing CA certificate(s) up to, not including, the root (for the rogue leaf: the rogue root). */
  readonly chainPath: string;
  readonly p12Path: string;
  readonly certPem: string;
  readonly keyPem: string;
  readonly chainPem: string;
  readonly p12: Buffer;
}

/** The whole test PKI. */
export interface TestPki {
  readonly dir: string;
  /** When the PKI was generated (ms since epoch): validity periods are relative to it. */
  readonly generatedAt: number;
  /** Password of every PKCS#12 file (distinctive, so tests can assert it never shows in a message). */
  readonly p12Password: string;
  /** FINESS juridique put in the OU of the hospital's certificates (valid Luhn key). */
  readonly finessJuridique: string;
  readonly rootCa: TestCertificate;
  readonly intermediateCa: TestCertificate;
  /** A root that is NOT in the trust store. */
  readonly rogueCa: TestCertificate;
  /** ORG SIGN-like seal: KU digitalSignature + nonRepudiation, OU = FINESS juridique. */
  readonly seal: TestCertificate;
  /** ORG AUTH_CLI-like: KU digitalSignature, EKU clientAuth. */
  readonly tlsClient: TestCertificate;
  /** The insurer's encryption certificate: KU keyEncipherment. */
  readonly recipient: TestCertificate;
  /** The insurer's seal (signs its ARL/RSP returns): seal profile, O = CPAM TEST. */
  readonly insurerSeal: TestCertificate;
  /** The hospital's decryption certificate (returns are encrypted to it): KU keyEncipherment, OU = FINESS juridique. */
  readonly hospitalDecryption: TestCertificate;
  /** Seal profile, expired 30 days ago. */
  readonly expired: TestCertificate;
  /** Seal profile, valid from 30 days on. */
  readonly notYetValid: TestCertificate;
  /** Seal profile with a 1024-bit key. */
  readonly weak: TestCertificate;
  /** Seal profile issued by the rogue root. */
  readonly untrusted: TestCertificate;
  /** Seal profile expiring in 10 days. */
  readonly expiringSoon: TestCertificate;
  /** Trust store: the root only (PEM text and file). */
  readonly trustStorePem: string;
  readonly trustStorePath: string;
  /** Root + intermediate in one file, for `openssl … -CAfile`. */
  readonly caBundlePath: string;
}

const PASSWORD = 'p12-Test-Secret-7f3a9c';
const FINESS = '990000010';
const DAY = 86_400_000;
const MAX_AGE_MS = 6 * 3_600_000;

const CONFIG = `
[ req ]
distinguished_name = dn
[ dn ]
[ ca ]
default_ca = ca_default
[ ca_default ]
database = index.txt
new_certs_dir = .
rand_serial = yes
default_md = sha256
policy = any_policy
unique_subject = no
copy_extensions = none
[ any_policy ]
commonName = supplied
[ root ]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ intermediate ]
basicConstraints = critical,CA:true,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ seal ]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature,nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ tls_client ]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ recipient ]
basicConstraints = critical,CA:false
keyUsage = critical,keyEncipherment
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

let cached: TestPki | undefined;

/** The PKI of this process: generated on first call (a few seconds, mostly RSA key generation), then reused. */
export function getTestPki(): TestPki {
  if (cached) return cached;
  const dir = join(tmpdir(), `passerelle-test-pki-${process.pid}`);
  const done = join(dir, 'done.json');
  // Jest gives each test file its own module registry: the marker file shares the PKI across files of a worker.
  // A directory left by an earlier process that had the same pid is too old to trust (the 10-day certificate…).
  const read = (): TestPki | undefined =>
    existsSync(done)
      ? (JSON.parse(readFileSync(done, 'utf8'), (key, value) =>
          key === 'p12' ? Buffer.from(value as string, 'base64') : value,
        ) as TestPki)
      : undefined;
  let pki = read();
  // A directory written by an older version of this file lacks the newer certificates: generate again.
  if (!pki || Date.now() - pki.generatedAt > MAX_AGE_MS || pki.hospitalDecryption === undefined) {
    generate(dir);
    pki = read();
    if (!pki) throw new Error(`test PKI: generation left no ${done}`);
  }
  cached = pki;
  return pki;
}

function generate(dir: string): void {
  removeStaleDirectories();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'openssl.cnf'), CONFIG);
  writeFileSync(join(dir, 'index.txt'), '');
  const ssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  };
  const now = Date.now();
  const when = (offsetDays: number): string =>
    new Date(now + offsetDays * DAY)
      .toISOString()
      .replace(/[-:T]/g, '')
      .replace(/\.\d+Z$/, 'Z');

  // RSA key generation is most of the cost (~0.5 s a key): generate all keys at once, in parallel.
  const keys: [string, number][] = [
    ['root-ca', 2048],
    ['rogue-ca', 2048],
    ['intermediate-ca', 2048],
    ['seal', 2048],
    ['tls-client', 2048],
    ['recipient', 2048],
    ['insurer-seal', 2048],
    ['hospital-decryption', 2048],
    ['expired', 2048],
    ['not-yet-valid', 2048],
    ['weak', 1024],
    ['untrusted', 2048],
    ['expiring-soon', 2048],
  ];
  const genkey = ([name, bits]: [string, number]): string =>
    `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:${bits} -out ${name}.key`;
  execFileSync('sh', ['-c', `${keys.map(genkey).join(' & ')} & wait`], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });

  const selfSigned = (name: string, subject: string): TestCertificate => {
    ssl(
      'req',
      '-x509',
      '-new',
      '-key',
      `${name}.key`,
      '-out',
      `${name}.pem`,
      '-subj',
      subject,
      '-days',
      '3650',
      '-config',
      'openssl.cnf',
      '-extensions',
      'root',
    );
    writeFileSync(join(dir, `${name}-chain.pem`), '');
    return finish(dir, name, ssl);
  };
  const issue = (name: string, subject: string, issuer: TestCertificate, profile: string, from: number, to: number): TestCertificate => {
    ssl('req', '-new', '-key', `${name}.key`, '-out', `${name}.csr`, '-subj', subject, '-config', 'openssl.cnf');
    ssl(
      'ca',
      '-batch',
      '-notext',
      '-config',
      'openssl.cnf',
      '-cert',
      issuer.certPath,
      '-keyfile',
      issuer.keyPath,
      '-in',
      `${name}.csr`,
      '-out',
      `${name}.pem`,
      '-startdate',
      when(from),
      '-enddate',
      when(to),
      '-extensions',
      profile,
      '-preserveDN',
    );
    // The chain stops below our root (what relying parties already trust); the rogue root is shipped in the chain
    // so that "untrusted" really means "chains to a root we do not trust", not "missing intermediate".
    writeFileSync(join(dir, `${name}-chain.pem`), issuer.name === 'root-ca' ? '' : issuer.certPem + issuer.chainPem);
    return finish(dir, name, ssl);
  };

  const hospital = `/C=FR/O=CH TEST PASSERELLE/OU=${FINESS}`;
  const rootCa = selfSigned('root-ca', '/C=FR/O=PASSERELLE TEST/CN=TEST Racine IGC Sante');
  const rogueCa = selfSigned('rogue-ca', '/C=FR/O=ROGUE TEST/CN=TEST Racine Inconnue');
  const intermediateCa = issue('intermediate-ca', '/C=FR/O=PASSERELLE TEST/CN=TEST AC Organisations', rootCa, 'intermediate', -2, 1800);
  const insurer = '/C=FR/O=CPAM TEST';
  const leaf = (
    name: string,
    cn: string,
    profile: string,
    from: number,
    to: number,
    issuer = intermediateCa,
    org?: string,
  ): TestCertificate => issue(name, `${org ?? (profile === 'recipient' ? insurer : hospital)}/CN=${cn}`, issuer, profile, from, to);

  const pki: TestPki = {
    dir,
    generatedAt: now,
    p12Password: PASSWORD,
    finessJuridique: FINESS,
    rootCa,
    intermediateCa,
    rogueCa,
    seal: leaf('seal', 'CH TEST ORG SIGN', 'seal', -1, 365),
    tlsClient: leaf('tls-client', 'CH TEST ORG AUTH_CLI', 'tls_client', -1, 365),
    recipient: leaf('recipient', 'CPAM TEST CHIFFREMENT', 'recipient', -1, 365),
    insurerSeal: leaf('insurer-seal', 'CPAM TEST ORG SIGN', 'seal', -1, 365, intermediateCa, insurer),
    hospitalDecryption: leaf('hospital-decryption', 'CH TEST CHIFFREMENT', 'recipient', -1, 365, intermediateCa, hospital),
    expired: leaf('expired', 'CH TEST ORG SIGN EXPIRE', 'seal', -400, -30),
    notYetValid: leaf('not-yet-valid', 'CH TEST ORG SIGN FUTUR', 'seal', 30, 400),
    weak: leaf('weak', 'CH TEST ORG SIGN 1024', 'seal', -1, 365),
    untrusted: leaf('untrusted', 'CH TEST ORG SIGN INCONNU', 'seal', -1, 365, rogueCa),
    expiringSoon: leaf('expiring-soon', 'CH TEST ORG SIGN BIENTOT', 'seal', -1, 10),
    trustStorePem: rootCa.certPem,
    trustStorePath: rootCa.certPath,
    caBundlePath: join(dir, 'ca-bundle.pem'),
  };
  writeFileSync(pki.caBundlePath, rootCa.certPem + intermediateCa.certPem);
  writeFileSync(
    join(dir, 'done.json'),
    JSON.stringify(pki, (key, value) => (key === 'p12' ? Buffer.from((value as { data: number[] }).data).toString('base64') : value)),
  );
}

/**
 * Jest runs tests in a sandbox whose `process` does not forward 'exit' listeners, so a PKI directory cannot remove
 * itself reliably: instead, each generation removes the directories of processes that no longer exist.
 */
function removeStaleDirectories(): void {
  for (const entry of readdirSync(tmpdir())) {
    const pid = /^passerelle-test-pki-(\d+)$/.exec(entry)?.[1];
    if (!pid || Number(pid) === process.pid) continue;
    try {
      process.kill(Number(pid), 0); // signal 0: only asks whether the process exists
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') rmSync(join(tmpdir(), entry), { recursive: true, force: true });
    }
  }
}

function finish(dir: string, name: string, ssl: (...args: string[]) => void): TestCertificate {
  const path = (suffix: string): string => join(dir, `${name}${suffix}`);
  const chain = readFileSync(path('-chain.pem'), 'utf8');
  const p12Args = [
    'pkcs12',
    '-export',
    '-in',
    path('.pem'),
    '-inkey',
    path('.key'),
    '-out',
    path('.p12'),
    '-passout',
    `pass:${PASSWORD}`,
    '-name',
    name,
  ];
  ssl(...p12Args, ...(chain ? ['-certfile', path('-chain.pem')] : []));
  return {
    name,
    certPath: path('.pem'),
    keyPath: path('.key'),
    chainPath: path('-chain.pem'),
    p12Path: path('.p12'),
    certPem: readFileSync(path('.pem'), 'utf8'),
    keyPem: readFileSync(path('.key'), 'utf8'),
    chainPem: chain,
    p12: readFileSync(path('.p12')),
  };
}

/** Runs the openssl CLI (throws with its stderr on failure); returns stdout. */
export function runOpenssl(args: readonly string[], options: { cwd?: string; input?: Uint8Array } = {}): Buffer {
  return execFileSync('openssl', args, { cwd: options.cwd, input: options.input, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 1 << 30 });
}
