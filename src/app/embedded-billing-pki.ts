/**
 * The SIMULATION PKI of full simulation mode (embedded PostgreSQL + CDRi simulator + FIDES on + no seal configured):
 * a throwaway IGC Santé-like hierarchy so that the billing path runs end to end on a workstation — the lots sealed
 * and encrypted by the real transport code, the returns sealed and encrypted back by the AMO simulator.
 *
 *   root CA → intermediate CA (pathlen 0) → hospital seal (ORG SIGN-like: digitalSignature + nonRepudiation,
 *                                           OU = FINESS), hospital decryption (keyEncipherment),
 *                                           AMO simulator encryption (keyEncipherment), AMO simulator signing
 *
 * Made once into its directory (0700, files 0600) and reused on later starts while it is complete, made for the
 * same FINESS and far from expiry. Keys come from node:crypto (fast, off the main thread); certificates and PKCS#12
 * from node-forge. Nothing here is ever a production credential: every subject says SIMULATION.
 */
import { generateKeyPair, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import forge from 'node-forge';
import type { AppLogger } from '../observability/logger';

/** One leaf: its certificate, key and the files the configuration points at. */
export interface SimulationLeaf {
  readonly certPem: string;
  readonly keyPem: string;
  /** Certificate then the intermediate CA (what TRANSMISSION_RECIPIENT_CERTS / RETURNS_SIGNERS files hold). */
  readonly certFile: string;
  readonly keyFile: string;
  /** Key, certificate and intermediate, under `password`. */
  readonly p12File: string;
}

export interface SimulationPki {
  readonly dir: string;
  /** FINESS put in the OU of the hospital's certificates. */
  readonly finess: string;
  /** Password of every PKCS#12 file (random per PKI, kept in the 0600 manifest). */
  readonly password: string;
  readonly rootCaPem: string;
  readonly intermediateCaPem: string;
  /** The root only: the trust store (SIGNING_TRUST_STORE_FILE). */
  readonly trustStoreFile: string;
  /** Root + intermediate, for `openssl … -CAfile` and the AMO simulator's trust store. */
  readonly caBundleFile: string;
  readonly seal: SimulationLeaf;
  readonly decrypt: SimulationLeaf;
  readonly amoEncryption: SimulationLeaf;
  readonly amoSigning: SimulationLeaf;
}

/** Bumped when the layout or the profiles change: an older directory is then made again. */
const LAYOUT_VERSION = 1;
const YEAR_MS = 365 * 86_400_000;
/** Leaves live two years; a PKI with less than this left is made again (well before SIGNING_WARN_DAYS fires). */
const RENEW_BEFORE_MS = 90 * 86_400_000;
const LEAVES = ['seal', 'decrypt', 'amoEncryption', 'amoSigning'] as const;
type LeafName = (typeof LEAVES)[number];

interface Manifest {
  version: number;
  finess: string;
  password: string;
  notAfter: string;
}

export const SIMULATION_PKI_WARNING =
  'SIMULATION PKI in use: throwaway keys and certificates made for the AMO simulator, NEVER for production ' +
  '(configure SIGNING_SEAL_P12_FILE with the IGC Santé seal to bill a real insurer)';

/** The simulation PKI in `dir`: reused when still good, made (a second or two) otherwise. */
export async function ensureSimulationPki(dir: string, finess: string, log: AppLogger, now = new Date()): Promise<SimulationPki> {
  const existing = await readPki(dir, finess, now);
  if (existing) {
    log.warn({ dir }, SIMULATION_PKI_WARNING);
    return existing;
  }
  // Made beside, then moved in: a crash half-way never leaves a directory that looks complete.
  const staging = `${dir}.staging-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(dirname(dir), { recursive: true });
  await mkdir(staging, { mode: 0o700 });
  await generate(staging, finess, now);
  await rm(dir, { recursive: true, force: true });
  await rename(staging, dir);
  log.warn({ dir }, `${SIMULATION_PKI_WARNING}; generated now`);
  const made = await readPki(dir, finess, now);
  if (!made) throw new Error(`simulation PKI: ${dir} is incomplete right after generation`);
  return made;
}

function paths(dir: string) {
  const leaf = (name: LeafName) => ({
    certFile: join(dir, `${name}.pem`),
    keyFile: join(dir, `${name}.key`),
    p12File: join(dir, `${name}.p12`),
  });
  return {
    manifest: join(dir, 'simulation-pki.json'),
    rootCa: join(dir, 'root-ca.pem'),
    intermediateCa: join(dir, 'intermediate-ca.pem'),
    trustStore: join(dir, 'trust-store.pem'),
    caBundle: join(dir, 'ca-bundle.pem'),
    leaf,
  };
}

async function readPki(dir: string, finess: string, now: Date): Promise<SimulationPki | undefined> {
  const p = paths(dir);
  const files = [p.manifest, p.rootCa, p.intermediateCa, p.trustStore, p.caBundle, ...LEAVES.flatMap((l) => Object.values(p.leaf(l)))];
  if (!files.every((f) => existsSync(f))) return undefined;
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(p.manifest, 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
  const fresh = new Date(manifest.notAfter).getTime() - now.getTime() > RENEW_BEFORE_MS;
  if (manifest.version !== LAYOUT_VERSION || manifest.finess !== finess || !fresh) return undefined;
  const leaf = async (name: LeafName): Promise<SimulationLeaf> => {
    const files = p.leaf(name);
    const certChain = await readFile(files.certFile, 'utf8');
    return { ...files, certPem: firstPem(certChain), keyPem: await readFile(files.keyFile, 'utf8') };
  };
  return {
    dir,
    finess,
    password: manifest.password,
    rootCaPem: await readFile(p.rootCa, 'utf8'),
    intermediateCaPem: await readFile(p.intermediateCa, 'utf8'),
    trustStoreFile: p.trustStore,
    caBundleFile: p.caBundle,
    seal: await leaf('seal'),
    decrypt: await leaf('decrypt'),
    amoEncryption: await leaf('amoEncryption'),
    amoSigning: await leaf('amoSigning'),
  };
}

function firstPem(text: string): string {
  const end = '-----END CERTIFICATE-----';
  return text.slice(0, text.indexOf(end) + end.length) + '\n';
}

interface Issued {
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
  keyPem: string;
}

async function generate(dir: string, finess: string, now: Date): Promise<void> {
  const names = ['root', 'intermediate', ...LEAVES] as const;
  const keyPairs = await Promise.all(
    names.map(() =>
      promisify(generateKeyPair)('rsa', {
        modulusLength: 2048,
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      }),
    ),
  );
  const keys = new Map(names.map((n, i) => [n, keyPairs[i]]));
  const start = new Date(now.getTime() - 3_600_000); // an hour back: clocks of the two ends may differ a little
  const caEnd = new Date(now.getTime() + 10 * YEAR_MS);
  const leafEnd = new Date(now.getTime() + 2 * YEAR_MS);

  const make = (
    name: (typeof names)[number],
    subject: forge.pki.CertificateField[],
    issuer: Issued | undefined,
    notAfter: Date,
    extensions: object[],
  ): Issued => {
    const pair = keys.get(name)!;
    const key = forge.pki.privateKeyFromPem(pair.privateKey);
    const cert = forge.pki.createCertificate();
    cert.publicKey = forge.pki.publicKeyFromPem(pair.publicKey);
    // Positive, 16 bytes, random: no two simulation PKIs share a serial.
    cert.serialNumber = '01' + randomBytes(15).toString('hex');
    cert.validity.notBefore = start;
    cert.validity.notAfter = notAfter;
    cert.setSubject(subject);
    cert.setIssuer(issuer ? issuer.cert.subject.attributes : subject);
    const aki = issuer ? [{ name: 'authorityKeyIdentifier', keyIdentifier: issuer.cert.generateSubjectKeyIdentifier().getBytes() }] : [];
    cert.setExtensions([...extensions, { name: 'subjectKeyIdentifier' }, ...aki]);
    cert.sign(issuer?.key ?? key, forge.md.sha256.create());
    return { cert, key, keyPem: pair.privateKey };
  };
  const dn = (o: string, cn: string, ou?: string): forge.pki.CertificateField[] => [
    { shortName: 'C', value: 'FR' },
    { shortName: 'O', value: o },
    ...(ou ? [{ shortName: 'OU', value: ou }] : []),
    { shortName: 'CN', value: cn },
  ];
  const ca = (pathLen?: number) => [
    { name: 'basicConstraints', cA: true, critical: true, ...(pathLen === undefined ? {} : { pathLenConstraint: pathLen }) },
    { name: 'keyUsage', critical: true, keyCertSign: true, cRLSign: true },
  ];
  const endEntity = (usage: object) => [
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', critical: true, ...usage },
  ];
  const signing = { digitalSignature: true, nonRepudiation: true };
  const encryption = { keyEncipherment: true };

  const pkiOrg = 'PASSERELLE SIMULATION';
  const hospital = 'CH SIMULATION PASSERELLE';
  const amo = 'AMO SIMULATEUR PASSERELLE';
  const root = make('root', dn(pkiOrg, 'SIMULATION Racine - NOT FOR PRODUCTION'), undefined, caEnd, ca());
  const intermediate = make('intermediate', dn(pkiOrg, 'SIMULATION AC Organisations - NOT FOR PRODUCTION'), root, caEnd, ca(0));
  const leaves: Record<LeafName, Issued> = {
    seal: make('seal', dn(hospital, 'SIMULATION ORG SIGN', finess), intermediate, leafEnd, endEntity(signing)),
    decrypt: make('decrypt', dn(hospital, 'SIMULATION ORG CHIFFREMENT', finess), intermediate, leafEnd, endEntity(encryption)),
    amoEncryption: make('amoEncryption', dn(amo, 'SIMULATION AMO CHIFFREMENT'), intermediate, leafEnd, endEntity(encryption)),
    amoSigning: make('amoSigning', dn(amo, 'SIMULATION AMO SIGNATURE'), intermediate, leafEnd, endEntity(signing)),
  };

  const password = randomBytes(18).toString('base64url');
  const p = paths(dir);
  const pem = (c: forge.pki.Certificate) => forge.pki.certificateToPem(c).replace(/\r\n/g, '\n');
  const write = (file: string, data: string | Buffer) => writeFile(file, data, { mode: 0o600 });
  await write(p.rootCa, pem(root.cert));
  await write(p.intermediateCa, pem(intermediate.cert));
  await write(p.trustStore, pem(root.cert));
  await write(p.caBundle, pem(root.cert) + pem(intermediate.cert));
  for (const name of LEAVES) {
    const { cert, key, keyPem } = leaves[name];
    const files = p.leaf(name);
    await write(files.certFile, pem(cert) + pem(intermediate.cert));
    await write(files.keyFile, keyPem);
    const p12 = forge.pkcs12.toPkcs12Asn1(key, [cert, intermediate.cert], password, { algorithm: 'aes256', friendlyName: name });
    await write(files.p12File, Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary'));
  }
  const manifest: Manifest = { version: LAYOUT_VERSION, finess, password, notAfter: leafEnd.toISOString() };
  await write(p.manifest, JSON.stringify(manifest, null, 2));
  await chmod(dir, 0o700);
}
