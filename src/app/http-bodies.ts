import { readFileSync } from 'node:fs';
import type { TlsFiles } from '../config/app-config';

const MiB = 1024 * 1024;

/**
 * What the HTTP edge parses, by content type, and up to what size. Both adapters are built from this table
 * (express-edge.ts, fastify-edge.ts), so they cannot disagree on a limit. Other content types are left unread.
 */
export const BODY_KINDS = [
  { parseAs: 'json', types: ['application/json', 'application/fhir+json'], limitBytes: 20 * MiB },
  { parseAs: 'text', types: ['text/csv', 'text/plain'], limitBytes: 50 * MiB },
  // Billing lots for transport (transport.controller.ts): signed and encrypted, they are larger than their CSV.
  { parseAs: 'bytes', types: ['application/octet-stream'], limitBytes: 200 * MiB },
] as const;

export const INVALID_JSON = 'Body is not valid JSON';

export function bodyTooLarge(limitBytes: number): string {
  return `Body is larger than the ${Math.round(limitBytes / MiB)} MB accepted for its content type`;
}

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
