/**
 * The check run before every use of a certificate (signing a lot, encrypting to an insurer, presenting a TLS client
 * certificate, accepting a signer): dates against the caller's `now`, RSA size, key usage / extended key usage for
 * the purpose, and a chain to the configured trust store (signatures verified up to an anchor, CA constraints).
 * Nothing here reads the clock or the environment: `now` and the trust store come from the caller.
 *
 * Revocation (CRL/OCSP of IGC Santé) is not checked here yet: it needs network access and a cache policy.
 */
import { CertificateError, describeCertificate } from './certificate-error';
import { type ParsedCertificate, parseCertificates } from './certificate-parser';

/**
 * What the certificate is about to be used for:
 * - `seal` — IGC Santé ORG SIGN (lot signature): keyUsage digitalSignature and/or nonRepudiation, not TLS-only;
 * - `tls-client` — ORG AUTH_CLI (mutual TLS): keyUsage digitalSignature + extKeyUsage clientAuth;
 * - `encryption-recipient` — a key we encrypt to (or decrypt with): keyUsage keyEncipherment;
 * - `tls-server` — our HTTPS / MLLP server certificate: keyUsage digitalSignature or keyEncipherment, extKeyUsage
 *   serverAuth (see checkLocalTlsCertificate for certificates of the hospital's own PKI).
 */
export type CertificatePurpose = 'seal' | 'tls-client' | 'encryption-recipient' | 'tls-server';

/** Trust store and thresholds; all from configuration. */
export interface CertificateCheckerOptions {
  /** CA certificates we trust: a PEM bundle, or a list of DER / PEM / parsed certificates. */
  readonly trustStore: string | readonly (ParsedCertificate | Uint8Array | string)[];
  /** Warn when the certificate expires within this many days (default 30). */
  readonly warnDays?: number;
  /** Minimum RSA modulus (default 2048; ANSSI moves it to 3072 after 2030). */
  readonly minRsaBits?: number;
}

/** Per-call inputs. */
export interface CertificateCheckOptions {
  readonly purpose: CertificatePurpose;
  readonly now: Date;
  /** Intermediate certificates that may be needed to reach the trust store (order does not matter). */
  readonly chain?: readonly ParsedCertificate[];
}

/** Success: usable, possibly with warnings ("expires in N days") that the app turns into metrics and /health. */
export interface CertificateCheckResult {
  readonly ok: true;
  readonly warnings: string[];
  /** Whole days until notAfter of the certificate itself (rounded up). */
  readonly daysLeft: number;
  /** The verified path, leaf first, trust anchor last. */
  readonly path: readonly ParsedCertificate[];
}

const DAY_MS = 86_400_000;
const MAX_PATH = 8;
const EKU_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const EKU_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const EKU_ANY = '2.5.29.37.0';

/** Checks certificates against one trust store; reuse an instance (it caches verified signatures). */
export class CertificateChecker {
  private readonly anchors: readonly ParsedCertificate[];
  private readonly warnDays: number;
  private readonly minRsaBits: number;
  // Signature verification of (child, issuer) pairs never changes: cache it; dates are re-checked every time.
  private readonly verified = new Map<string, boolean>();

  constructor(options: CertificateCheckerOptions) {
    const store = typeof options.trustStore === 'string' ? [options.trustStore] : options.trustStore;
    this.anchors = store.flatMap((t) => (typeof t === 'string' || t instanceof Uint8Array ? parseCertificates(t) : [t]));
    this.warnDays = options.warnDays ?? 30;
    this.minRsaBits = options.minRsaBits ?? 2048;
  }

  /** Throws CertificateError, or returns the result with its warnings. */
  check(cert: ParsedCertificate, options: CertificateCheckOptions): CertificateCheckResult {
    const { now } = options;
    // Most fundamental first: a certificate we cannot trust is reported as such, whatever its key or usage.
    checkDates(cert, now);
    const path = this.buildPath(cert, options.chain ?? [], now);
    this.checkKey(cert);
    checkPurpose(cert, options.purpose);
    const warnings: string[] = [];
    const daysLeft = Math.ceil((cert.notAfter.getTime() - now.getTime()) / DAY_MS);
    if (daysLeft <= this.warnDays) warnings.push(`expires in ${daysLeft} days`);
    for (const ca of path.slice(1)) {
      const caDays = Math.ceil((ca.notAfter.getTime() - now.getTime()) / DAY_MS);
      if (caDays <= this.warnDays) warnings.push(`issuing CA "${ca.subjectCn}" expires in ${caDays} days`);
    }
    return { ok: true, warnings, daysLeft, path };
  }

  private checkKey(cert: ParsedCertificate): void {
    if (cert.rsaBits === undefined) {
      const type = cert.publicKey.asymmetricKeyType ?? 'unknown';
      throw new CertificateError('WEAK_KEY', `${describeCertificate(cert)} has a ${type} key: RSA required`, cert);
    }
    if (cert.rsaBits < this.minRsaBits) {
      const msg = `${describeCertificate(cert)} has a ${cert.rsaBits}-bit RSA key (minimum ${this.minRsaBits})`;
      throw new CertificateError('WEAK_KEY', msg, cert);
    }
  }

  private buildPath(leaf: ParsedCertificate, pool: readonly ParsedCertificate[], now: Date): ParsedCertificate[] {
    const path = [leaf];
    let current = leaf;
    while (path.length <= MAX_PATH) {
      if (this.anchors.some((a) => a.der.equals(current.der))) return path;
      const anchor = this.anchors.find((a) => this.issued(current, a));
      const issuer = anchor ?? pool.find((c) => !path.includes(c) && this.issued(current, c));
      if (!issuer) {
        const msg = `${describeCertificate(leaf)} does not chain to the trust store (no trusted issuer for "${current.subjectCn}")`;
        throw new CertificateError('UNTRUSTED', msg, leaf);
      }
      checkIssuer(leaf, issuer, path.length - 1, now);
      path.push(issuer);
      if (anchor) return path;
      current = issuer;
    }
    throw new CertificateError('UNTRUSTED', `${describeCertificate(leaf)}: certificate chain too long`, leaf);
  }

  private issued(child: ParsedCertificate, issuer: ParsedCertificate): boolean {
    const key = `${child.x509.fingerprint256}|${issuer.x509.fingerprint256}`;
    let ok = this.verified.get(key);
    if (ok === undefined) {
      ok = child.x509.checkIssued(issuer.x509) && child.x509.verify(issuer.publicKey);
      this.verified.set(key, ok);
    }
    return ok;
  }
}

function checkDates(cert: ParsedCertificate, now: Date): void {
  if (now.getTime() < cert.notBefore.getTime()) {
    const msg = `${describeCertificate(cert)} is not valid before ${cert.notBefore.toISOString()}`;
    throw new CertificateError('NOT_YET_VALID', msg, cert);
  }
  if (now.getTime() > cert.notAfter.getTime()) {
    throw new CertificateError('EXPIRED', `${describeCertificate(cert)} expired on ${cert.notAfter.toISOString()}`, cert);
  }
}

/** A CA on the path: valid now, a CA, allowed to sign certificates, and within its path length constraint. */
function checkIssuer(leaf: ParsedCertificate, ca: ParsedCertificate, casBelow: number, now: Date): void {
  try {
    checkDates(ca, now);
  } catch (err) {
    const e = err as CertificateError;
    throw new CertificateError(e.code, `${describeCertificate(leaf)}: issuing CA ${e.message}`, leaf);
  }
  const notCa =
    !ca.isCa || (ca.keyUsage !== undefined && !ca.keyUsage.has('keyCertSign')) || (ca.pathLength !== undefined && casBelow > ca.pathLength);
  if (notCa) {
    const msg = `${describeCertificate(leaf)}: issuer "${ca.subjectCn}" is not allowed to act as a CA here`;
    throw new CertificateError('UNTRUSTED', msg, leaf);
  }
}

function checkPurpose(cert: ParsedCertificate, purpose: CertificatePurpose): void {
  const ku = cert.keyUsage;
  const eku = cert.extKeyUsage;
  const refuse = (why: string): never => {
    throw new CertificateError('WRONG_PURPOSE', `${describeCertificate(cert)} cannot be used as ${purpose}: ${why}`, cert);
  };
  // IGC Santé always sets keyUsage; a certificate without it is not one of ours, whatever RFC 5280 allows.
  if (!ku) return refuse('no keyUsage extension');
  if (cert.isCa) return refuse('it is a CA certificate');
  switch (purpose) {
    case 'seal':
      if (!ku.has('digitalSignature') && !ku.has('nonRepudiation')) refuse('keyUsage lacks digitalSignature/nonRepudiation');
      // An ORG AUTH_CLI certificate also has digitalSignature: what tells it apart is an EKU limited to TLS.
      if (eku && eku.length > 0 && eku.every((p) => p === EKU_CLIENT_AUTH || p === EKU_SERVER_AUTH)) {
        refuse('extendedKeyUsage is limited to TLS authentication');
      }
      return;
    case 'tls-client':
      if (!ku.has('digitalSignature')) refuse('keyUsage lacks digitalSignature');
      if (!eku || !(eku.includes(EKU_CLIENT_AUTH) || eku.includes(EKU_ANY))) refuse('extendedKeyUsage lacks clientAuth');
      return;
    case 'encryption-recipient':
      if (!ku.has('keyEncipherment')) refuse('keyUsage lacks keyEncipherment');
      return;
    case 'tls-server':
      if (!ku.has('digitalSignature') && !ku.has('keyEncipherment')) refuse('keyUsage lacks digitalSignature/keyEncipherment');
      if (!eku || !(eku.includes(EKU_SERVER_AUTH) || eku.includes(EKU_ANY))) refuse('extendedKeyUsage lacks serverAuth');
      return;
  }
}

/**
 * Dates and purpose of a certificate, as check() does them, without the chain: for an IGC Santé certificate whose
 * trust store is not ours to hold (the ORG AUTH_CLI client certificate presented to the insurer).
 */
export function checkDatesAndPurpose(
  cert: ParsedCertificate,
  purpose: CertificatePurpose,
  now: Date,
  warnDays: number,
): Pick<CertificateCheckResult, 'warnings' | 'daysLeft'> {
  checkDates(cert, now);
  checkPurpose(cert, purpose);
  const daysLeft = Math.ceil((cert.notAfter.getTime() - now.getTime()) / DAY_MS);
  return { warnings: daysLeft <= warnDays ? [`expires in ${daysLeft} days`] : [], daysLeft };
}

/**
 * Dates and purpose of a TLS certificate of the hospital's own PKI (HTTPS / MLLP server, GAP client), which has no
 * trust store here and may be self-signed: what it declares must fit the use (a keyUsage or extKeyUsage that is
 * present must allow it; absent extensions are tolerated, as RFC 5280 and TLS stacks do).
 */
export function checkLocalTlsCertificate(
  cert: ParsedCertificate,
  purpose: 'tls-server' | 'tls-client',
  now: Date,
  warnDays: number,
): Pick<CertificateCheckResult, 'warnings' | 'daysLeft'> {
  checkDates(cert, now);
  const refuse = (why: string): never => {
    throw new CertificateError('WRONG_PURPOSE', `${describeCertificate(cert)} cannot be used as ${purpose}: ${why}`, cert);
  };
  const ku = cert.keyUsage;
  if (ku && !ku.has('digitalSignature') && !ku.has('keyEncipherment')) refuse('keyUsage lacks digitalSignature/keyEncipherment');
  const wanted = purpose === 'tls-server' ? EKU_SERVER_AUTH : EKU_CLIENT_AUTH;
  if (cert.extKeyUsage && !(cert.extKeyUsage.includes(wanted) || cert.extKeyUsage.includes(EKU_ANY))) {
    refuse(`extendedKeyUsage lacks ${purpose === 'tls-server' ? 'serverAuth' : 'clientAuth'}`);
  }
  const daysLeft = Math.ceil((cert.notAfter.getTime() - now.getTime()) / DAY_MS);
  return { warnings: daysLeft <= warnDays ? [`expires in ${daysLeft} days`] : [], daysLeft };
}
