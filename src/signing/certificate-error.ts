/**
 * Why a certificate was refused. Messages name the certificate by subject CN and serial only — never key material
 * nor the PKCS#12 password: they end up in logs, metrics labels and /health.
 */
export const CertificateErrorCode = {
  EXPIRED: 'EXPIRED',
  NOT_YET_VALID: 'NOT_YET_VALID',
  WRONG_PURPOSE: 'WRONG_PURPOSE',
  WEAK_KEY: 'WEAK_KEY',
  UNTRUSTED: 'UNTRUSTED',
  BAD_PASSWORD: 'BAD_PASSWORD',
  UNREADABLE: 'UNREADABLE',
} as const;

/** One of the CertificateErrorCode values. */
export type CertificateErrorCode = (typeof CertificateErrorCode)[keyof typeof CertificateErrorCode];

/** How a certificate is named in errors and warnings. */
export interface CertificateLabel {
  readonly subjectCn: string;
  readonly serialNumber: string;
}

/** Typed certificate refusal; `certificate` is absent when the file could not even be read. */
export class CertificateError extends Error {
  constructor(
    readonly code: CertificateErrorCode,
    message: string,
    readonly certificate?: CertificateLabel,
  ) {
    super(message);
    this.name = 'CertificateError';
  }
}

/** `certificate "CN" (serial 0A1B…)` — the one way certificates are named in messages. */
export function describeCertificate(cert: CertificateLabel): string {
  return `certificate "${cert.subjectCn}" (serial ${cert.serialNumber})`;
}
