/**
 * Self-signed certificate made by the `openssl` CLI in a temporary directory, for test servers (STARTTLS of the
 * SMTP test server). Never for production: the key is written unencrypted to disk and deleted right after.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** PEM key and certificate. */
export interface ThrowawayCertificate {
  key: Buffer;
  cert: Buffer;
}

/**
 * Generates an RSA-2048 self-signed certificate valid one day.
 * @param commonName subject CN
 * @param subjectAltName e.g. `IP:127.0.0.1,DNS:localhost`
 */
export function makeThrowawayCertificate(
  commonName = 'insurer-smtp.test',
  subjectAltName = 'IP:127.0.0.1,DNS:localhost',
): ThrowawayCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'passerelle-cert-'));
  try {
    const { key, cert } = writeThrowawayCertificate(dir, commonName, subjectAltName);
    return { key, cert };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same, left in `dir` as `<commonName>.key` / `.crt` for servers configured by file (the gateway's TLS variables). */
export function writeThrowawayCertificate(
  dir: string,
  commonName: string,
  subjectAltName: string,
): ThrowawayCertificate & { keyFile: string; certFile: string } {
  const keyFile = join(dir, `${commonName}.key`);
  const certFile = join(dir, `${commonName}.crt`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-sha256',
      '-days',
      '1',
      '-subj',
      `/CN=${commonName}`,
      '-addext',
      `subjectAltName=${subjectAltName}`,
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  return { keyFile, certFile, key: readFileSync(keyFile), cert: readFileSync(certFile) };
}
