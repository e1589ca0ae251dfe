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
    const key = join(dir, 'server.key');
    const cert = join(dir, 'server.crt');
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
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(key), cert: readFileSync(cert) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
