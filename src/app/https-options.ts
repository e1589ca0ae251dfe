import { readFileSync } from 'node:fs';
import type { TlsFiles } from '../config/app-config';

/** HTTPS, with client certificates requested for mutual TLS; the same server options on either adapter. */
export function httpsOptions(tls: TlsFiles): { cert: Buffer; key: Buffer; ca?: Buffer; requestCert: boolean; rejectUnauthorized: boolean } {
  return {
    cert: readFileSync(tls.certFile),
    key: readFileSync(tls.keyFile),
    ca: tls.caFile ? readFileSync(tls.caFile) : undefined,
    requestCert: tls.requestClientCert,
    // Kiosks may also use API keys over plain server TLS: the guard checks `authorized` itself.
    rejectUnauthorized: false,
  };
}
